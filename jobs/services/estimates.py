"""How long a new job will wait: the audio ahead of it in the queue, at the engine's
measured speed, shared across the workers."""

from __future__ import annotations

import math

from django.conf import settings
from django.db.models import F, FloatField, Sum
from django.db.models.functions import Cast

from jobs.models import JobStatus, TranscriptionJob

# Seconds of processing per second of audio. Measured for the local engine on the
# 2-core reference machine (see the benchmark in the README); upstreams are faster.
REAL_TIME_FACTOR = {"local": 0.35}
DEFAULT_REAL_TIME_FACTOR = 0.2
STARTUP_SECONDS = 2


def estimated_wait_seconds(job: TranscriptionJob) -> int:
    remaining = (
        TranscriptionJob.objects.filter(
            status__in=(JobStatus.QUEUED, JobStatus.PROCESSING)
        ).aggregate(
            seconds=Sum(F("duration_seconds") * (100 - Cast("progress", FloatField())) / 100)
        )["seconds"]
        or 0.0
    )
    factor = REAL_TIME_FACTOR.get(job.engine, DEFAULT_REAL_TIME_FACTOR)
    workers = max(1, settings.HARK_WORKERS)
    return STARTUP_SECONDS + math.ceil(float(remaining) * factor / workers)
