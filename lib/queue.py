"""Tasks that must not run before a given time, and how long to wait before a retry.

django-q2's ORM broker hands out only rows whose ``lock`` has passed, so a task written
with its lock in the future waits in the database until it is due: no worker is held
while it waits, and it survives any restart. Other brokers cannot delay a task; there it
runs at once, so every caller must make an early run harmless (refuse work that is not
due yet) and have a sweeper queue the task again once it is due. Webhook retries and job
retries both work this way.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.tasks import async_task

JITTER = 0.2


class _NotBeforeORM(ORM):
    """The ORM broker, writing the task with its lock at ``not_before``."""

    def __init__(self, not_before: datetime) -> None:
        super().__init__()
        self.not_before = not_before

    def enqueue(self, task: str) -> int:
        row = self.get_connection().create(key=self.list_key, payload=task, lock=self.not_before)
        return int(row.pk)


def enqueue_not_before(
    func: str, *args: object, not_before: datetime | None = None, **options: Any
) -> None:
    """``async_task(func, *args, **options)``, but on the ORM broker not handed to a
    worker before ``not_before``. Inside a transaction the row commits with it."""
    if not_before is not None and isinstance(get_broker(), ORM):
        options["broker"] = _NotBeforeORM(not_before)
    async_task(func, *args, **options)


def backoff_seconds(
    schedule: Sequence[float],
    number: int,
    *,
    retry_after: float | None = None,
    max_retry_after: float,
) -> float:
    """Seconds to wait after failed try ``number`` (1-based): the schedule's entry (its
    last one once tries outnumber it), ±20% so that waiters are not all released at the
    same instant, and never less than the ``Retry-After`` the other side asked for, up to
    ``max_retry_after``."""
    base = schedule[min(max(number, 1), len(schedule)) - 1]
    delay = base * random.uniform(1 - JITTER, 1 + JITTER)  # noqa: S311 - jitter, not secrets
    if retry_after is not None:
        delay = max(delay, min(retry_after, max_retry_after))
    return delay
