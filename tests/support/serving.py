"""Hark served for real: ``manage.py serve`` (the web server and a ``qcluster`` worker) as
a subprocess on a free loopback port, against the test database."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def served(database_url: str, *, log: Path, **env_overrides: str) -> Iterator[str]:
    """Serve Hark and yield its base URL once it answers; stop web and worker after."""
    from tests.conftest import wait_for

    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "HARK_PUBLIC_URL": base_url,
        "HARK_WORKERS": "1",
        **env_overrides,
    }
    process = subprocess.Popen(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"],
        cwd=REPO_ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip

    def answering() -> bool:
        try:
            return httpx.get(f"{base_url}/accounts/login/").status_code == 200
        except httpx.HTTPError:
            return False

    try:
        wait_for(answering, timeout=60)
        yield base_url
    finally:
        # SIGTERM makes serve stop its worker too.
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
