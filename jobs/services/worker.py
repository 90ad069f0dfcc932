"""The worker's side of a job: claim, heartbeat, finish, fail, recover.

Every transition is a conditional UPDATE on (status, attempts), so a task delivered
twice, a worker that lost its lease, or a job canceled mid-run can never finish a job a
second time or charge it twice.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from billing.pricing import price_for_seconds
from billing.services import hold_capture, hold_release
from jobs.engines import get_engine
from jobs.engines.base import ProviderError, TranscriptionRequest, TranscriptionResult
from jobs.media.storage import local_media
from jobs.models import JobStatus, TranscriptionJob, TranscriptSegment
from jobs.services.intake import job_enqueue
from jobs.text import apply_job_type, summarize

logger = logging.getLogger(__name__)

# Heartbeats renew the lease; more often than this would only add writes.
HEARTBEAT_INTERVAL_SECONDS = 2.0


class JobLost(Exception):
    """The job was canceled, or another worker took it over after our lease expired."""


@dataclass(frozen=True)
class Claim:
    job: TranscriptionJob
    attempt: int


def _lease_deadline() -> datetime:
    return timezone.now() + timedelta(seconds=settings.HARK_JOB_LEASE_SECONDS)


def job_claim(job_id: str) -> Claim | None:
    """Take a queued job, or a running one whose worker's lease has expired."""
    now = timezone.now()
    claimable = Q(status=JobStatus.QUEUED) | Q(
        status=JobStatus.PROCESSING, lease_expires_at__lt=now
    )
    claimed = (
        TranscriptionJob.objects.filter(claimable, pk=job_id)
        .filter(attempts__lt=settings.HARK_JOB_MAX_ATTEMPTS)
        .update(
            status=JobStatus.PROCESSING,
            attempts=F("attempts") + 1,
            lease_expires_at=_lease_deadline(),
            started_at=now,
        )
    )
    if not claimed:
        return None
    job = TranscriptionJob.objects.get(pk=job_id)
    return Claim(job=job, attempt=job.attempts)


def _mine(claim: Claim) -> Q:
    return Q(pk=claim.job.pk, status=JobStatus.PROCESSING, attempts=claim.attempt)


def job_heartbeat(claim: Claim, *, fraction: float) -> None:
    """Record progress and renew the lease; raises JobLost if the job is no longer ours."""
    progress = max(0, min(99, int(fraction * 100)))
    alive = TranscriptionJob.objects.filter(_mine(claim)).update(
        progress=progress, lease_expires_at=_lease_deadline()
    )
    if not alive:
        raise JobLost()


@transaction.atomic
def job_complete(claim: Claim, result: TranscriptionResult) -> bool:
    """Store the transcript, capture the actual cost and mark the job completed.

    Returns False (and changes nothing) when the job is no longer this attempt's.
    """
    job = claim.job
    segments = apply_job_type(result.segments, job.job_type)
    text = " ".join(s.text for s in segments if s.text)
    summary, topics = summarize(segments) if job.summary_requested else ("", [])
    cost = price_for_seconds(result.duration, engine=job.engine)
    finished = TranscriptionJob.objects.filter(_mine(claim)).update(
        status=JobStatus.COMPLETED,
        progress=100,
        finished_at=timezone.now(),
        lease_expires_at=None,
        transcript_text=text,
        summary=summary,
        topics=topics,
        detected_language=result.language,
    )
    if not finished:
        return False
    TranscriptSegment.objects.filter(job=job).delete()
    TranscriptSegment.objects.bulk_create(
        TranscriptSegment(
            job=job,
            index=index,
            start=round(segment.start, 3),
            end=round(segment.end, 3),
            text=segment.text,
            speaker=segment.speaker or "",
            confidence=round(segment.confidence, 4),
            words=[
                {
                    "word": w.text,
                    "start": round(w.start, 3),
                    "end": round(w.end, 3),
                    "confidence": round(w.confidence, 4),
                }
                for w in segment.words
            ],
        )
        for index, segment in enumerate(segments)
    )
    minutes = result.duration / 60
    entry = hold_capture(
        reference=job.billing_reference,
        amount=cost,
        description=f"Transcription of {job.original_filename or job.pk} ({minutes:.2f} min)",
    )
    charged = -entry.amount if entry is not None else cost
    TranscriptionJob.objects.filter(pk=job.pk).update(credits_used=charged)
    return True


@transaction.atomic
def job_fail(job: TranscriptionJob, message: str, *, attempt: int | None = None) -> bool:
    """Mark the job failed with a message for the customer and release its hold."""
    condition = Q(pk=job.pk, status__in=(JobStatus.QUEUED, JobStatus.PROCESSING))
    if attempt is not None:
        condition &= Q(attempts=attempt)
    failed = TranscriptionJob.objects.filter(condition).update(
        status=JobStatus.FAILED,
        error_message=message,
        finished_at=timezone.now(),
        lease_expires_at=None,
        credits_used=0,
    )
    if failed:
        hold_release(reference=job.billing_reference)
    return bool(failed)


def job_requeue(claim: Claim) -> bool:
    """Give a transiently failed attempt back to the queue for another try."""
    with transaction.atomic():
        requeued = TranscriptionJob.objects.filter(_mine(claim)).update(
            status=JobStatus.QUEUED, lease_expires_at=None, progress=0
        )
        if requeued:
            job_enqueue(claim.job)
    return bool(requeued)


def job_run(job_id: str) -> None:
    """Transcribe one job end to end; safe to call any number of times for the same id."""
    claim = job_claim(job_id)
    if claim is None:
        logger.info("job %s is not claimable (finished, canceled or held); skipping", job_id)
        return
    job = claim.job
    last_beat = 0.0

    def on_progress(fraction: float) -> None:
        nonlocal last_beat
        if time.monotonic() - last_beat >= HEARTBEAT_INTERVAL_SECONDS or fraction >= 1:
            job_heartbeat(claim, fraction=fraction)
            last_beat = time.monotonic()

    try:
        with local_media(job.media.name or "") as path:
            request = TranscriptionRequest(
                path=path,
                language=job.language,
                diarization=job.diarization,
                word_timestamps=True,
                vocabulary=tuple(job.vocabulary),
            )
            result = get_engine(job.engine).transcribe(request, on_progress)
    except JobLost:
        logger.info("job %s was canceled or taken over; stopping", job_id)
        return
    except ProviderError as exc:
        if exc.permanent or claim.attempt >= settings.HARK_JOB_MAX_ATTEMPTS:
            job_fail(job, exc.message, attempt=claim.attempt)
        else:
            job_requeue(claim)
        return
    except Exception:
        logger.exception("job %s crashed", job_id)
        job_fail(
            job,
            "Something went wrong on our side while transcribing this file. "
            "You have not been charged; please try again.",
            attempt=claim.attempt,
        )
        return
    if not job_complete(claim, result):
        logger.info("job %s finished by someone else; result discarded", job_id)


def jobs_recover_abandoned() -> int:
    """Re-queue jobs whose worker stopped reporting (killed, crashed, machine lost);
    fail those that have used up their attempts. Returns how many were touched."""
    now = timezone.now()
    touched = 0
    stale = TranscriptionJob.objects.filter(status=JobStatus.PROCESSING, lease_expires_at__lt=now)
    for job in stale:
        if job.attempts >= settings.HARK_JOB_MAX_ATTEMPTS:
            touched += job_fail(
                job,
                "Transcription stopped repeatedly on our side. You have not been charged; "
                "please try again or contact support.",
            )
            continue
        with transaction.atomic():
            requeued = TranscriptionJob.objects.filter(
                pk=job.pk, status=JobStatus.PROCESSING, lease_expires_at__lt=now
            ).update(status=JobStatus.QUEUED, lease_expires_at=None)
            if requeued:
                job_enqueue(job)
                touched += 1
    return touched
