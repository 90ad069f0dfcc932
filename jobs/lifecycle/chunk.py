"""Transitions of a chunk of a long job (``jobs.services.chunks``), and of the job while
its chunks run.

::

    queued ──claim──▶ processing ──complete──▶ completed
      ▲                 │  └─park/unpark (still processing, no worker)
      └──retry_later────┘
    (silent audio is created skipped; a permanent failure fails the whole job)

A chunk belongs to the job attempt that queued it (``job_attempt``): when the job is
taken over, its unfinished chunks are queued again under the new attempt and tasks of
the old attempt find nothing to claim.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from jobs.engines.base import Deferred, TranscriptionResult
from jobs.lifecycle.common import OVERDUE_SECONDS, JobLost, due, lease_deadline
from jobs.lifecycle.outcomes import Fail, Lost, Park, RetryLater, outcome_of
from jobs.lifecycle.parking import parked_settled, parking_fields
from jobs.lifecycle.transcription import Claim, job_fail, job_requeue_stalled, mine
from jobs.models import ChunkStatus, JobStatus, TranscriptionChunk, TranscriptionJob
from lib.queue import enqueue_not_before

logger = logging.getLogger(__name__)

FINISHED_CHUNKS = (ChunkStatus.COMPLETED, ChunkStatus.SKIPPED)


def chunk_enqueue(chunk_id: int, job_attempt: int, *, not_before: datetime | None = None) -> None:
    # Inside the caller's transaction, like job_enqueue.
    enqueue_not_before(
        "jobs.tasks.transcribe_chunk",
        chunk_id,
        job_attempt,
        not_before=not_before,
        task_name=f"chunk {chunk_id}",
    )


def chunk_ours(chunk_id: int, job_attempt: int) -> Q:
    """The chunk, as long as it is still the work of this job attempt."""
    return Q(
        pk=chunk_id,
        status=ChunkStatus.PROCESSING,
        job_attempt=job_attempt,
        job__status=JobStatus.PROCESSING,
        job__attempts=job_attempt,
    )


def chunk_waiting(chunk_id: int, job_attempt: int, now: datetime) -> Q:
    """The chunk, queued for this job attempt and due: a worker may start it now."""
    return Q(
        due(now),
        pk=chunk_id,
        status=ChunkStatus.QUEUED,
        job_attempt=job_attempt,
        attempts__lt=settings.HARK_JOB_MAX_ATTEMPTS,
        job__status=JobStatus.PROCESSING,
        job__attempts=job_attempt,
    )


def job_chunks_queue(claim: Claim, rows: list[TranscriptionChunk]) -> None:
    """The job (processing, this attempt) lets go of its lease and its chunks are created
    and queued (silent ones created skipped), in one transaction. Raises JobLost when
    the job is no longer ours."""
    for row in rows:
        row.status = ChunkStatus.QUEUED if row.media else ChunkStatus.SKIPPED
        row.job_attempt = claim.attempt
    skipped = sum(1 for row in rows if row.status == ChunkStatus.SKIPPED)
    with transaction.atomic():
        alive = TranscriptionJob.objects.filter(mine(claim)).update(
            chunks_total=len(rows),
            chunks_done=skipped,
            progress=min(99, skipped * 100 // max(len(rows), 1)),
            lease_expires_at=None,
        )
        if not alive:
            raise JobLost()
        TranscriptionChunk.objects.bulk_create(rows)
        queued = TranscriptionChunk.objects.filter(job=claim.job, status=ChunkStatus.QUEUED)
        for chunk_id in queued.values_list("pk", flat=True):
            chunk_enqueue(chunk_id, claim.attempt)


def chunks_requeue_unfinished(claim: Claim) -> int:
    """On a later attempt of the job: the job lets go of its lease and its unfinished
    chunks are queued again under this attempt (finished ones are kept). Returns how
    many; raises JobLost when the job is no longer ours."""
    with transaction.atomic():
        if not TranscriptionJob.objects.filter(mine(claim)).update(lease_expires_at=None):
            raise JobLost()
        unfinished = TranscriptionChunk.objects.filter(job=claim.job).exclude(
            status__in=FINISHED_CHUNKS
        )
        chunk_ids = list(unfinished.values_list("pk", flat=True))
        unfinished.update(
            status=ChunkStatus.QUEUED,
            job_attempt=claim.attempt,
            attempts=0,
            lease_expires_at=None,
            retry_at=None,
            parked_reference="",
        )
        for chunk_id in chunk_ids:
            chunk_enqueue(chunk_id, claim.attempt)
    return len(chunk_ids)


def chunk_claim(
    chunk_id: int, job_attempt: int, *, now: datetime | None = None
) -> TranscriptionChunk | None:
    """queued (due, this job attempt) → processing; None when it lost."""
    now = now or timezone.now()
    claimed = TranscriptionChunk.objects.filter(chunk_waiting(chunk_id, job_attempt, now)).update(
        status=ChunkStatus.PROCESSING,
        attempts=F("attempts") + 1,
        lease_expires_at=lease_deadline(now),
        retry_at=None,
    )
    if not claimed:
        return None
    return TranscriptionChunk.objects.select_related("job").get(pk=chunk_id)


def chunk_renew_lease(chunk_id: int, job_attempt: int) -> None:
    """Renew the chunk's lease; raises JobLost when it (or its job) is no longer ours."""
    alive = TranscriptionChunk.objects.filter(chunk_ours(chunk_id, job_attempt)).update(
        lease_expires_at=lease_deadline()
    )
    if not alive:
        raise JobLost()


def chunk_complete(
    chunk: TranscriptionChunk,
    job_attempt: int,
    *,
    segments: list[dict[str, Any]],
    provider: str,
    language: str,
) -> bool:
    """processing → completed, with its segments (already on the media's timeline)."""
    stored = TranscriptionChunk.objects.filter(chunk_ours(chunk.pk, job_attempt)).update(
        status=ChunkStatus.COMPLETED,
        segments=segments,
        provider=provider,
        language=language,
        lease_expires_at=None,
    )
    return bool(stored)


def job_chunks_counted(job: TranscriptionJob, job_attempt: int) -> bool:
    """Count the finished chunks into the job's progress; True when all are done.

    Counted after the chunk's own update has committed, so of two chunks finishing at
    once at least the later one sees both done (one stitches; job_complete lets only one
    win)."""
    done = TranscriptionChunk.objects.filter(job=job, status__in=FINISHED_CHUNKS).count()
    total = job.chunks_total or 1
    TranscriptionJob.objects.filter(
        pk=job.pk, status=JobStatus.PROCESSING, attempts=job_attempt
    ).update(chunks_done=done, progress=min(99, done * 100 // total))
    return done >= total


def chunk_retry_later(chunk_id: int, job_attempt: int, retry_at: datetime) -> bool:
    """processing → queued, its task not run before ``retry_at``."""
    with transaction.atomic():
        requeued = TranscriptionChunk.objects.filter(chunk_ours(chunk_id, job_attempt)).update(
            status=ChunkStatus.QUEUED, lease_expires_at=None, retry_at=retry_at
        )
        if requeued:
            chunk_enqueue(chunk_id, job_attempt, not_before=retry_at)
    return bool(requeued)


def chunk_park(chunk: TranscriptionChunk, job_attempt: int, deferred: Deferred) -> bool:
    """As ``job_park``, for a chunk of a long job."""
    ours = chunk_ours(chunk.pk, job_attempt)
    parked = TranscriptionChunk.objects.filter(ours).update(**parking_fields(deferred))
    return parked_settled(bool(parked), chunk.job_id, deferred)


def chunk_unpark(chunk: TranscriptionChunk) -> bool:
    """As ``job_unpark``, for a chunk."""
    still = chunk_ours(chunk.pk, chunk.job_attempt)
    return bool(
        TranscriptionChunk.objects.filter(still, parked_reference=chunk.parked_reference).update(
            parked_reference="", lease_expires_at=lease_deadline()
        )
    )


def chunk_settle(
    chunk: TranscriptionChunk, job_attempt: int, work: Callable[[], TranscriptionResult]
) -> TranscriptionResult | None:
    """Do ``work`` for the claimed chunk; its result, or None after the ladder's outcome
    was applied (parked, retried alone, or the whole job failed)."""
    job = chunk.job
    try:
        return work()
    except Exception as exc:
        what = f"chunk {chunk.pk} of job {job.pk}"
        match outcome_of(exc, tries=chunk.attempts, what=what):
            case Park(deferred):
                chunk_park(chunk, job_attempt, deferred)
            case Lost():
                pass
            case RetryLater(retry_at):
                chunk_retry_later(chunk.pk, job_attempt, retry_at)
            case Fail(message):
                job_fail(job, message, attempt=job_attempt)
        return None


def chunks_requeue_stalled(now: datetime) -> int:
    """The sweeper's: a chunk whose lease ran out means its worker was lost; its job goes
    back to the queue (or fails, out of attempts), and the next attempt re-queues the
    unfinished chunks. Returns how many jobs it touched."""
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
    touched = 0
    for chunk in stale:
        if chunk.job_id in seen:
            continue
        seen.add(chunk.job_id)
        touched += job_requeue_stalled(chunk.job, Q(attempts=chunk.job_attempt))
    return touched


def chunks_retry_overdue(now: datetime) -> int:
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
