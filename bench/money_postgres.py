"""A PostgreSQL database for the money benchmark: a throwaway server started the way
bin/test starts one, or a fresh database on the server ``DATABASE_URL`` names."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _pg_bin() -> Path:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: int(p.parent.name))
    for candidate in reversed(candidates):
        if (candidate / "initdb").exists():
            return candidate
    raise SystemExit(
        "PostgreSQL is not installed: apt-get install postgresql, or set DATABASE_URL."
    )


@contextmanager
def throwaway_server(*, fsync: bool) -> Iterator[str]:
    """Start a private PostgreSQL server in a temporary folder; yields its URL."""
    pg_bin = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="hark-bench-pg-"))
    as_pg: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(folder, "postgres")
        as_pg = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    data, log = folder / "data", folder / "log"
    try:
        subprocess.run([*as_pg, str(pg_bin / "initdb"), "-D", str(data), "-U", "hark",
                        "--auth=trust"], check=True, capture_output=True)  # fmt: skip
        options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 "
                   f"-c max_connections=200 -c fsync={'on' if fsync else 'off'}")  # fmt: skip
        subprocess.run([*as_pg, str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                        "-o", options, "start"], check=True, capture_output=True)  # fmt: skip
        yield f"postgres://hark@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_pg, str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate",
                        "stop"], capture_output=True)  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database on ``server_url``'s server, dropped afterwards; yields its URL.

    The benchmark never writes into the database it was pointed at, so reusing a
    developer's DATABASE_URL leaves their data alone.
    """
    name = f"hark_bench_money_{uuid.uuid4().hex[:8]}"
    parts = urlsplit(server_url)
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        for _attempt in range(10):
            try:
                with psycopg.connect(server_url, autocommit=True) as admin:
                    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                break
            except psycopg.OperationalError:
                time.sleep(0.5)


@contextmanager
def bench_database(*, fsync: bool) -> Iterator[str]:
    """DATABASE_URL's server when it is PostgreSQL, else a throwaway server."""
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        with fresh_database(configured) as url:
            yield url
        return
    with throwaway_server(fsync=fsync) as server, fresh_database(server) as url:
        yield url
