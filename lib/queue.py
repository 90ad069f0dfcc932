"""Tasks that must not run before a given time, and how long to wait before a retry.

django-q2's ORM broker hands out only rows whose ``lock`` has passed, so a task written
with its lock in the future waits in the database until it is due: no worker is held
while it waits, and it survives any restart. Other brokers cannot delay a task; there it
runs at once, so every caller must make an early run harmless (refuse work that is not
due yet) and have a sweeper queue the task again once it is due. Webhook retries and job
retries both work this way.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.brokers.orm import ORM
from django_q.conf import Conf
from django_q.models import OrmQ
from django_q.tasks import async_task

from lib.doorbell import Doorbell, doorbell_folder, ring

logger = logging.getLogger(__name__)

JITTER = 0.2
# The queue (and cluster) of webhook deliveries: see Q_CLUSTER's ALT_CLUSTERS.
DELIVERIES_CLUSTER: str = settings.DELIVERIES_CLUSTER


class PromptORM(ORM):
    """django-q2's ORM broker, with a doorbell so that an idle cluster takes a new task
    at once instead of at its next poll (``poll`` seconds, 0.2 here: most of what a
    short task such as a translation spent waiting for a worker).

    Enqueueing rings once the row is committed; an idle cluster waits on the doorbell
    for at most ``poll`` seconds between looks at the table. The doorbell reaches the
    clusters on this machine only: elsewhere they poll as before, so nothing depends on
    it but how soon.
    """

    _doorbell: Doorbell | None = None
    _doorbell_unavailable = False

    def enqueue(self, task: str) -> int:
        row_id = int(super().enqueue(task))
        transaction.on_commit(partial(ring, self._doorbell_folder()), using=Conf.ORM)
        return row_id

    def dequeue(self) -> list[tuple[int, str]] | None:
        # Listening before looking: a task committed after the look still rings us.
        doorbell = self._listening()
        due = self.get_connection().filter(key=self.list_key, lock__lt=timezone.now())
        if not due.exists():
            if doorbell is None:
                time.sleep(Conf.POLL)
            else:
                doorbell.wait(Conf.POLL)
            return None
        tasks: list[tuple[int, str]] | None = super().dequeue()
        return tasks

    def _listening(self) -> Doorbell | None:
        """The doorbell, listening; None where it cannot be (its folder not ours to
        write, say): the cluster then polls as the plain ORM broker does, never stops."""
        if self._doorbell_unavailable:
            return None
        if self._doorbell is None:
            self._doorbell = Doorbell(self._doorbell_folder())
        try:
            self._doorbell.listen()
        except OSError as exc:
            logger.warning("No queue doorbell (%s): polling every %s s instead.", exc, Conf.POLL)
            self._doorbell_unavailable = True
            return None
        return self._doorbell

    def _doorbell_folder(self) -> Path:
        database = connections[Conf.ORM].settings_dict
        key = self.list_key or Conf.CLUSTER_NAME
        return doorbell_folder(database["NAME"], database["HOST"], database["PORT"], key)


class _NotBeforeORM(ORM):
    """The ORM broker, writing the task with its lock at ``not_before``."""

    def __init__(self, not_before: datetime, list_key: str | None = None) -> None:
        super().__init__(list_key=list_key)
        self.not_before = not_before

    def enqueue(self, task: str) -> int:
        row = self.get_connection().create(key=self.list_key, payload=task, lock=self.not_before)
        return int(row.pk)


def enqueue_not_before(
    func: str, *args: object, not_before: datetime | None = None, **options: Any
) -> None:
    """``async_task(func, *args, **options)``, but on the ORM broker not handed to a
    worker before ``not_before``. Inside a transaction the row commits with it.
    ``cluster=`` (django-q2's) names the queue, e.g. ``DELIVERIES_CLUSTER``."""
    if not_before is not None and isinstance(get_broker(), ORM):
        options["broker"] = _NotBeforeORM(not_before, list_key=options.get("cluster"))
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


def stalled_tasks_release(
    still_waiting: Mapping[str, Callable[..., bool]], *, taken_for_seconds: float
) -> int:
    """Hand back to the queue the tasks a cluster took more than ``taken_for_seconds``
    ago whose work has still not started; returns how many.

    A cluster takes a task before a worker is free for it (django-q2 keeps one waiting
    per worker), with the row locked for ``retry`` (hours, as long as the longest task).
    If that cluster is killed, or its worker is busy with a long job, the task would wait
    for hours. ``still_waiting`` maps a task's function path to a check, called with the
    task's arguments, of whether its work is still waiting to start (a job still queued
    and due). Such a row is unlocked for any cluster; if the first one runs its copy later
    too, the work's own claim turns the second run into a no-op. Rows delayed on purpose
    (``enqueue_not_before``) are locked in the future too: their check says "not due".
    Only the ORM broker can be looked into; with another nothing is released.
    """
    broker = get_broker()
    if not isinstance(broker, ORM):
        return 0
    now = timezone.now()
    # A row taken at t is locked until t + retry: taken before now - taken_for_seconds.
    taken_before = now + timedelta(seconds=Conf.RETRY - taken_for_seconds)
    released = 0
    rows = OrmQ.objects.filter(key=broker.list_key, lock__gt=now, lock__lt=taken_before)
    for row in rows:
        check = still_waiting.get(str(row.task.get("func")))
        if check is None or not check(*(row.task.get("args") or ())):
            continue
        released += OrmQ.objects.filter(pk=row.pk, lock=row.lock).update(lock=now)
    return released
