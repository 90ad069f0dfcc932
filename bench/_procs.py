"""Process helpers for the benchmarks: start and stop server processes, read their memory.

Everything here reads /proc directly, so it needs Linux and no extra packages.
"""

from __future__ import annotations

import os
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
    """SIGTERM the process group (qcluster shuts its workers down cleanly), then SIGKILL."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=grace_seconds)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass  # it exited between poll() and killpg()


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


@dataclass(frozen=True)
class ProcessMemory:
    pid: int
    depth: int  # 0 = the process we started, 1 = its children, …
    peak_mb: float  # VmHWM: the highest resident set size the process has reached
    engine_loaded: bool

    @property
    def role(self) -> str:
        # django-q2 forks: qcluster → Sentinel → pusher, monitor and workers. Without
        # setproctitle they all look alike, but only a worker that ran a job maps
        # pocketsphinx's library.
        if self.engine_loaded:
            return "worker"
        return {0: "qcluster", 1: "sentinel"}.get(self.depth, "pusher/monitor/idle worker")


def process_tree_memory(root_pid: int) -> list[ProcessMemory]:
    """VmHWM of ``root_pid`` and every descendant still alive, parents before children."""
    children = _children_by_parent()
    found: list[ProcessMemory] = []
    pending = [(root_pid, 0)]
    while pending:
        pid, depth = pending.pop(0)
        peak = _status_kib(pid, "VmHWM")
        if peak is not None:
            found.append(ProcessMemory(pid, depth, peak / 1024, _maps_pocketsphinx(pid)))
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


def _maps_pocketsphinx(pid: int) -> bool:
    try:
        return "pocketsphinx" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False
