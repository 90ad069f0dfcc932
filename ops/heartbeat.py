"""Each worker process writes a heartbeat row every ``HARK_WORKER_HEARTBEAT_SECONDS``
from a thread of its own, busy or idle, so ``/health/`` and ``/metrics`` can count the
workers seen lately on every machine that shares the database."""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone

from ops.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

# Rows of processes gone this long are deleted (recycled workers leave one each).
FORGET_AFTER = timedelta(days=1)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def heartbeat_record(*, name: str, now: datetime, started_at: datetime) -> None:
    """Say that worker ``name`` is alive at ``now``; forget workers long gone."""
    host, _, pid = name.rpartition(":")
    WorkerHeartbeat.objects.update_or_create(
        name=name,
        defaults={"seen_at": now},
        create_defaults={"host": host, "pid": int(pid), "started_at": started_at, "seen_at": now},
    )
    WorkerHeartbeat.objects.filter(seen_at__lt=now - FORGET_AFTER).delete()


def heartbeat_loop(*, stop: threading.Event, clock: Callable[[], datetime] = timezone.now) -> None:
    name, started_at = worker_name(), clock()
    interval = settings.HARK_WORKER_HEARTBEAT_SECONDS
    while True:
        try:
            heartbeat_record(name=name, now=clock(), started_at=started_at)
        except DatabaseError as exc:
            # The database being away is what /health/ reports; the worker goes on.
            logger.warning("Worker heartbeat not recorded: %s", exc)
        finally:
            # One short connection per beat rather than one held open per worker process
            # for its whole life (PostgreSQL counts them against max_connections).
            connection.close()
        if stop.wait(interval):
            return


def heartbeat_start() -> threading.Event:
    """Start this process's heartbeat thread; set the returned event to stop it."""
    stop = threading.Event()
    thread = threading.Thread(
        target=heartbeat_loop, kwargs={"stop": stop}, name="hark-heartbeat", daemon=True
    )
    thread.start()
    return stop
