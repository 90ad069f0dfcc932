"""Process helpers for the benchmarks: start and stop server processes, read their memory.

Everything here reads /proc directly, so it needs Linux and no extra packages.
"""

from __future__ import annotations

import contextlib
import os
import re
import resource
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

_KIB_PER_MB = 1024
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    # Binding to port 0 lets the kernel pick a port nobody is using right now.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def start_in_own_group(
    command: Sequence[str], *, env: dict[str, str], cwd: Path, log: Path
) -> subprocess.Popen[bytes]:
    """Start ``command`` in a new session, so it and its children can be stopped together.

    A new session also keeps the terminal's Ctrl-C away from it: the benchmark stops it
    itself, once, in its own cleanup.
    """
    with log.open("wb") as out:
        return subprocess.Popen(
            list(command), cwd=cwd, env=env, start_new_session=True,
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


def stop_group(process: subprocess.Popen[bytes], *, grace_seconds: float = 20.0) -> None:
    """SIGTERM the group's leader, wait for it, then SIGKILL whatever is left of the group.

    Only the leader gets SIGTERM: qcluster stops its sentinel and workers itself in about
    1.5 s, but when every process of the group gets SIGTERM at once (killpg) the
    django-q2 (1.11) main process hangs in ``sentinel.join()`` until it is killed.
    """
    if process.poll() is None:
        try:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=grace_seconds)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):  # the group is empty: the usual case
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def wait_for_port(port: int, *, process: subprocess.Popen[bytes], timeout: float) -> None:
    """Block until something accepts connections on ``port``; fail if ``process`` dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listened on port {port} within {timeout:.0f} s")


# django-q2 logs each process it forks with its pid; without setproctitle installed that
# is the only way to tell the worker from the pusher and the monitor.
_QCLUSTER_ROLES = {
    "worker": re.compile(r"ready for work at (\d+)"),
    "monitor": re.compile(r"monitoring at (\d+)"),
    "pusher": re.compile(r"pushing tasks at (\d+)"),
}


def qcluster_roles(log: Path) -> dict[int, str]:
    """pid → "worker", "monitor" or "pusher", from a qcluster's log."""
    text = log.read_text(errors="replace")
    return {
        int(match.group(1)): role
        for role, pattern in _QCLUSTER_ROLES.items()
        for match in pattern.finditer(text)
    }


@dataclass(frozen=True)
class ProcessMemory:
    pid: int
    role: str
    peak_mb: float  # VmHWM: the highest resident set size the process has reached


def process_tree_memory(root_pid: int, roles: dict[int, str]) -> list[ProcessMemory]:
    """VmHWM of ``root_pid`` and every descendant still alive, parents before children.

    ``roles`` names processes by pid; otherwise the root is "qcluster" and its child
    the "sentinel", as django-q2 forks them.
    """
    children = _children_by_parent()
    found: list[ProcessMemory] = []
    pending = [(root_pid, 0)]
    while pending:
        pid, depth = pending.pop(0)
        peak = _status_kib(pid, "VmHWM")
        if peak is not None:
            role = roles.get(pid) or {0: "qcluster", 1: "sentinel"}.get(depth, "other")
            found.append(ProcessMemory(pid, role, peak / _KIB_PER_MB))
        pending.extend((child, depth + 1) for child in children.get(pid, []))
    return found


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each of ``pids`` has used so far (missing if it exited)."""
    found: dict[int, float] = {}
    for pid in pids:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue
        # The command name in field 2 may contain spaces; fields after it are plain.
        fields = stat.rpartition(")")[2].split()
        utime, stime = int(fields[11]), int(fields[12])
        found[pid] = (utime + stime) / _CLOCK_TICKS
    return found


def descendants(root_pid: int) -> list[int]:
    """``root_pid`` and every process below it."""
    children = _children_by_parent()
    found: list[int] = []
    pending = [root_pid]
    while pending:
        pid = pending.pop(0)
        found.append(pid)
        pending.extend(children.get(pid, []))
    return found


def own_peak_rss_mb() -> float:
    # ru_maxrss is in KiB on Linux.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / _KIB_PER_MB


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        parent = _status_value(int(entry.name), "PPid")
        if parent is not None:
            children.setdefault(int(parent), []).append(int(entry.name))
    return children


def _status_kib(pid: int, field: str) -> int | None:
    value = _status_value(pid, field)  # e.g. "123456 kB"
    return int(value.split()[0]) if value else None


def _status_value(pid: int, field: str) -> str | None:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None  # the process exited while we were looking
    for line in lines:
        name, _, value = line.partition(":")
        if name == field:
            return value.strip()
    return None
