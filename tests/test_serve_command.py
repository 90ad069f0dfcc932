"""The one-command local setup: web and worker start together and stop together."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from lib.queue import DELIVERIES_CLUSTER
from tests.conftest import REPO_ROOT, database_url, free_port, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    ppid = int(stat.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            if ppid == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def is_qcluster(pid: int) -> bool:
    with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
        return b"qcluster" in cmdline.read().split(b"\0")


def cluster_name(pid: int) -> str:
    """The process's Q_CLUSTER_NAME ("" for the main cluster)."""
    with open(f"/proc/{pid}/environ", "rb") as environ:
        for item in environ.read().split(b"\0"):
            if item.startswith(b"Q_CLUSTER_NAME="):
                return item.split(b"=", 1)[1].decode()
    return ""


def test_serve_starts_web_and_worker_and_sigterm_stops_both(isolated_media):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "HARK_MEDIA_ROOT": str(isolated_media)}
    serve = subprocess.Popen(
        [sys.executable, "manage.py", "serve", f"127.0.0.1:{port}"],
        cwd=REPO_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:

        def answering() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/accounts/login/").status_code == 200
            except httpx.HTTPError:
                return False

        wait_for(answering, timeout=60)
        workers = children_of(serve.pid)
        assert workers, "serve started no worker process"
        clusters = {cluster_name(pid) for pid in workers if is_qcluster(pid)}
        assert clusters == {"", DELIVERIES_CLUSTER}, "serve starts the main and deliveries clusters"
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=30)
        deadline = time.monotonic() + 20
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not any(alive(pid) for pid in workers), "the worker outlived the server"
    finally:
        if serve.poll() is None:
            serve.kill()
