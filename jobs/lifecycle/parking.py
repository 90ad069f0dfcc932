"""Parking fields of jobs and chunks (``jobs.models.Parked``): written only here.

Parking itself (``job_park``, ``chunk_park``) and taking back (``job_unpark``,
``chunk_unpark``) are transitions of each kind; this module holds what they share and
the sweeper's notes on parked work.
"""

from __future__ import annotations

import logging
import uuid
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from jobs.engines.base import Deferred
from jobs.models import JobStatus, TranscriptionChunk, TranscriptionJob, UpstreamCallback
from lib.queue import enqueue_not_before

logger = logging.getLogger(__name__)

Target = TranscriptionJob | TranscriptionChunk


def parking_fields(deferred: Deferred, now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    submission = deferred.submission
    return {
        "parked_provider": deferred.provider,
        "parked_reference": submission.reference,
        "parked_position": deferred.position,
        "parked_at": deferred.started_at,
        "parked_polled_at": now,
        "parked_seconds": submission.audio_seconds,
        # The lease covers the upstream's whole budget, so the abandoned-work sweeper
        # leaves it be; parked_poll times it out when the budget is spent.
        "lease_expires_at": now + timedelta(seconds=submission.wait_seconds),
    }


def parked_settled(parked: bool, job_id: uuid.UUID, deferred: Deferred) -> bool:
    """After parking: a fast upstream may have called back before we wrote down what we
    wait for, so its resumption is queued at once."""
    provider, reference = deferred.provider, deferred.submission.reference
    if not parked:
        logger.info("job %s stopped while %s had %s; not parked", job_id, provider, reference)
        return False
    logger.info("job %s parked on %s %s", job_id, provider, reference)
    if UpstreamCallback.objects.filter(provider=provider, upstream_id=reference).exists():
        parked_resume_enqueue(job_id=job_id, provider=provider, reference=reference)
    return True


def parked_resume_enqueue(*, job_id: uuid.UUID, provider: str, reference: str) -> None:
    enqueue_not_before(
        "jobs.tasks.resume_parked",
        str(job_id),
        provider,
        reference,
        task_name=f"resume {job_id} {reference}"[:100],
    )


def parked_poll_noted(target: Target, now: datetime) -> bool:
    """Note that the parked work is asked about now; False when another sweeper just did."""
    unchanged = Q(pk=target.pk, parked_polled_at=target.parked_polled_at)
    if isinstance(target, TranscriptionJob):
        noted = TranscriptionJob.objects.filter(unchanged).update(parked_polled_at=now)
    else:
        noted = TranscriptionChunk.objects.filter(unchanged).update(parked_polled_at=now)
    return bool(noted)


def parked_forget_stopped(job_id: uuid.UUID, provider: str, reference: str) -> bool:
    """Clear the reference of a job (or chunk) that stopped while parked (canceled,
    failed); True when this call cleared it, so the upstream is asked to forget once."""
    stopped = Q(parked_provider=provider, parked_reference=reference)
    jobs = TranscriptionJob.objects.filter(stopped, pk=job_id).exclude(status=JobStatus.PROCESSING)
    chunks = TranscriptionChunk.objects.filter(stopped, job_id=job_id).exclude(
        job__status=JobStatus.PROCESSING
    )
    return bool(jobs.update(parked_reference="") + chunks.update(parked_reference=""))
