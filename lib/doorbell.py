"""A doorbell between processes of one machine: waiters sleep until someone rings.

Each waiter binds a Unix datagram socket in a folder named after what it waits for; a
ringer sends one byte to every socket there. A waiter that died leaves its socket
behind; the next ring finds nobody listening and removes it. Nothing crosses machines:
a waiter on another host is never woken and falls back to waiting out its timeout, so a
doorbell may only ever make a poll come sooner, never replace it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import select
import socket
import tempfile
from pathlib import Path

_ROOT = Path(tempfile.gettempdir()) / "hark-doorbells"


def doorbell_folder(*identity: object) -> Path:
    """The folder of the doorbell named by ``identity`` (a database and a queue, say).

    Hashed: a Unix socket's path may not be longer than about 100 bytes."""
    digest = hashlib.sha256(repr(identity).encode()).hexdigest()[:20]
    return _ROOT / digest


class Doorbell:
    """One waiter's end. Its socket is bound on first use and again after a fork, so an
    instance made before django-q2 forks its pusher still waits in the right process."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._socket: socket.socket | None = None
        self._path: Path | None = None
        self._pid = 0

    def listen(self) -> None:
        """Start taking rings now: those that come before the next ``wait`` count."""
        self._bound()

    def wait(self, seconds: float) -> bool:
        """Sleep until a ring or ``seconds``; True when rung. Rings that came while
        nobody was waiting count: the first wait after them returns at once."""
        sock = self._bound()
        ready, _, _ = select.select([sock], [], [], max(seconds, 0.0))
        if not ready:
            return False
        while True:  # several rings are one wake-up
            try:
                sock.recv(16)
            except BlockingIOError:
                return True

    def close(self) -> None:
        if self._socket is not None and self._pid == os.getpid():
            self._socket.close()
            if self._path is not None:
                self._path.unlink(missing_ok=True)
        self._socket = None

    def _bound(self) -> socket.socket:
        if self._socket is not None and self._pid == os.getpid():
            return self._socket
        # After a fork the parent's socket stays the parent's: bind our own.
        self.folder.mkdir(parents=True, exist_ok=True)
        self._pid = os.getpid()
        self._path = self.folder / f"{self._pid}-{id(self):x}.sock"
        self._path.unlink(missing_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(str(self._path))
        sock.setblocking(False)
        self._socket = sock
        return sock


def ring(folder: Path) -> int:
    """Wake every waiter of ``folder``; returns how many sockets took the ring."""
    try:
        paths = list(folder.glob("*.sock"))
    except OSError:
        return 0
    if not paths:
        return 0
    rung = 0
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
        sock.setblocking(False)
        for path in paths:
            try:
                sock.sendto(b"!", str(path))
                rung += 1
            except BlockingIOError:
                rung += 1  # its buffer is full of rings it has not read: it is awake
            except OSError as exc:
                if exc.errno in (errno.ECONNREFUSED, errno.ENOENT):
                    path.unlink(missing_ok=True)  # its waiter is gone
    return rung
