"""Shared by the operations tests: a database that cannot be reached, and heartbeats."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from django.db import connection

from ops.heartbeat import heartbeat_record


@contextmanager
def unreachable_database(tmp_path: Path) -> Iterator[None]:
    """Point this process's connection at a database that is not there: a SQLite file in
    a folder that does not exist, or a PostgreSQL port nothing listens on."""
    connection.close()
    saved = dict(connection.settings_dict)
    if connection.vendor == "sqlite":
        connection.settings_dict["NAME"] = str(tmp_path / "no-such-folder" / "hark.sqlite3")
    else:
        connection.settings_dict["HOST"] = "127.0.0.1"
        connection.settings_dict["PORT"] = "1"
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def beat(name: str, at: datetime) -> None:
    heartbeat_record(name=name, now=at, started_at=at)
