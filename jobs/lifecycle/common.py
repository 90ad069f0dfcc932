"""What the transitions of every kind of queued work share: leases, due retries, time."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from lib.queue import backoff_seconds

# An upstream asking us to come back later is believed up to this long.
MAX_RETRY_AFTER_SECONDS = 10 * 60
# Work due this long ago whose task never ran is queued again by the sweeper (another
# broker than the ORM's runs a delayed task at once, and it is refused).
OVERDUE_SECONDS = 30


class JobLost(Exception):
    """The work was canceled, or another worker took it over after our lease expired."""


def lease_deadline(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) + timedelta(seconds=settings.HARK_JOB_LEASE_SECONDS)


def due(now: datetime) -> Q:
    """Not waiting for a retry (a job, a chunk or a translation)."""
    return Q(retry_at__isnull=True) | Q(retry_at__lte=now)


def retry_time(tries: int, retry_after: float | None = None) -> datetime:
    """When to try again after ``tries`` transiently failed tries."""
    delay = backoff_seconds(
        settings.HARK_JOB_RETRY_SCHEDULE,
        tries,
        retry_after=retry_after,
        max_retry_after=MAX_RETRY_AFTER_SECONDS,
    )
    return timezone.now() + timedelta(seconds=delay)


def out_of_attempts(tries: int) -> bool:
    return tries >= settings.HARK_JOB_MAX_ATTEMPTS
