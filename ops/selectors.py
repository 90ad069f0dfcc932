"""Reads for /health/ and /metrics: the database, the queue and the workers' heartbeats.

Everything is read from the database at the moment of asking, so any web process on any
machine answers the same, and nothing is lost when a process restarts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connection
from django.db.models import Min
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.models import OrmQ

from ops.models import WorkerHeartbeat


@dataclass(frozen=True)
class QueueStats:
    # Tasks due and waiting for a worker.
    depth: int
    # Seconds the longest-waiting due task has waited; 0 with none waiting.
    oldest_age_seconds: float
    # Tasks a worker has taken, and tasks delayed on purpose (retries waiting their turn).
    locked: int


def database_error() -> str | None:
    """None when the database answers a query, else what went wrong."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def queue_names() -> tuple[str, ...]:
    """The queues the workers serve: transcription and translation work, then webhook and
    callback deliveries (their own cluster, ``lib.queue.DELIVERIES_CLUSTER``)."""
    return (get_broker().list_key, settings.DELIVERIES_CLUSTER)


def queue_stats(*, now: datetime, queue: str | None = None) -> QueueStats | None:
    """The ORM broker's queue ``queue`` (the main one by default); None with another
    broker, whose queue is not ours to read."""
    broker = get_broker()
    if not isinstance(broker, ORM):
        return None
    rows = OrmQ.objects.filter(key=queue or broker.list_key)
    # A due row's lock is when it became due: enqueued, released, or its delay passed.
    due = rows.filter(lock__lte=now).aggregate(oldest=Min("lock"))
    depth = rows.filter(lock__lte=now).count()
    oldest = due["oldest"]
    return QueueStats(
        depth=depth,
        oldest_age_seconds=max((now - oldest).total_seconds(), 0.0) if oldest else 0.0,
        locked=rows.filter(lock__gt=now).count(),
    )


def workers_seen(*, now: datetime, within_seconds: float) -> list[WorkerHeartbeat]:
    """Worker processes whose heartbeat is at most ``within_seconds`` old."""
    since = now - timedelta(seconds=within_seconds)
    return list(WorkerHeartbeat.objects.filter(seen_at__gte=since).order_by("name"))
