from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """A worker process said it was alive at ``seen_at``.

    Rows in the database rather than django-q2's cluster stats: those live in the cache,
    which is per process by default (local memory), so the web process could never see a
    worker's; and a worker machine needs nothing but the database to be counted.
    """

    # "<host>:<pid>": a recycled or restarted worker is a new process and a new row.
    name = models.CharField(max_length=200, unique=True)
    host = models.CharField(max_length=150)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ("-seen_at",)

    def __str__(self) -> str:
        return f"{self.name} (seen {self.seen_at:%Y-%m-%d %H:%M:%S})"
