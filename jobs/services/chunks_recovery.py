"""The sweeper's part for long jobs cut into chunks (``jobs.services.chunks``)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from jobs.models import (
    FINISHED_STATUSES,
    ChunkStatus,
    JobStatus,
    TranscriptionChunk,
    TranscriptionJob,
)
from jobs.services.chunks import chunk_enqueue, chunk_files_delete, chunks_finish
from jobs.services.worker import OVERDUE_SECONDS, job_abandon


def chunks_recover() -> int:
    """The sweeper's part for chunked jobs; returns how many jobs it touched.

    A chunk whose lease ran out means its worker was lost: the job goes back to the queue
    (or fails, out of attempts), and its next attempt re-queues the unfinished chunks. A
    job whose chunks are all done but that was never stitched (the last worker died in
    between) is stitched here. A chunk whose retry is overdue is queued again. Chunk
    files of finished jobs are deleted.
    """
    now = timezone.now()
    touched = 0
    stale = (
        TranscriptionChunk.objects.filter(
            status=ChunkStatus.PROCESSING,
            lease_expires_at__lt=now,
            job__status=JobStatus.PROCESSING,
            job__attempts=F("job_attempt"),
            parked_reference="",  # a parked chunk's lease is its budget: parked_poll's
        )
        .select_related("job")
        .order_by("job_id")
    )
    seen: set[Any] = set()
    for chunk in stale:
        if chunk.job_id in seen:
            continue
        seen.add(chunk.job_id)
        touched += job_abandon(chunk.job, Q(attempts=chunk.job_attempt))
    touched += _chunks_retry_overdue(now)
    unstitched = TranscriptionJob.objects.filter(
        status=JobStatus.PROCESSING, lease_expires_at__isnull=True, chunks_total__gt=0
    ).exclude(chunks__status__in=(ChunkStatus.QUEUED, ChunkStatus.PROCESSING))
    for job in unstitched:
        touched += chunks_finish(str(job.pk), job.attempts)
    leftovers = TranscriptionChunk.objects.filter(job__status__in=FINISHED_STATUSES).exclude(
        media=""
    )
    names = list(leftovers.values_list("media", flat=True))
    if names:
        leftovers.update(media="")
        chunk_files_delete(names)
    return touched


def _chunks_retry_overdue(now: datetime) -> int:
    """As ``jobs_retry_overdue``, for chunks: their retry fell due a while ago and no task
    claimed them. Returns how many jobs had a chunk queued again."""
    overdue = TranscriptionChunk.objects.filter(
        status=ChunkStatus.QUEUED,
        retry_at__lte=now - timedelta(seconds=OVERDUE_SECONDS),
        job__status=JobStatus.PROCESSING,
        job__attempts=F("job_attempt"),
    )
    jobs: set[Any] = set()
    for chunk in overdue:
        with transaction.atomic():
            if TranscriptionChunk.objects.filter(
                pk=chunk.pk, status=ChunkStatus.QUEUED, retry_at=chunk.retry_at
            ).update(retry_at=None):
                chunk_enqueue(chunk.pk, chunk.job_attempt)
                jobs.add(chunk.job_id)
    return len(jobs)
