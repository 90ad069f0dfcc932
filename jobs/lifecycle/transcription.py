"""Transitions of a transcription job.

::

    queued ──claim──▶ processing ──complete──▶ completed   (hold captured)
      ▲  ▲              │  │  │ ──fail──────▶ failed      (hold released)
      │  └─retry_later──┘  │  └─park/unpark (still processing, no worker)
      └──requeue_stalled───┘     (lease ran out: back to the queue, or failed)
    queued|processing ──cancel──▶ canceled                 (hold released)
    fetching ──fail|cancel──▶ failed|canceled (nothing held; ``jobs.lifecycle.fetching``)

Every transition is a conditional UPDATE on (status, attempts), so a task delivered
twice, a worker that lost its lease, or a job canceled mid-run can never finish a job a
second time or charge it twice. ``job_settle`` runs the work and applies the outcome
ladder (``jobs.lifecycle.outcomes``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from billing.pricing import priced_options
from billing.services import hold_capture, hold_release
from jobs.engines.base import Deferred, TranscriptionResult
from jobs.lifecycle.common import (
    OVERDUE_SECONDS,
    JobLost,
    lease_deadline,
    out_of_attempts,
)
from jobs.lifecycle.common import due as due
from jobs.lifecycle.outcomes import Fail, Lost, Outcome, Park, RetryLater, outcome_of
from jobs.lifecycle.parking import parked_settled, parking_fields
from jobs.models import JobStatus, JobType, TranscriptionJob
from jobs.services.attempts import served_by, usage_price
from jobs.services.events import job_event_emit
from jobs.services.intake import job_enqueue
from jobs.text import apply_job_type, summarize
from jobs.transcripts.services.storing import transcript_store_original
from webhooks.events import JOB_CANCELED, JOB_COMPLETED, JOB_FAILED

logger = logging.getLogger(__name__)

CANCELABLE = (JobStatus.FETCHING, JobStatus.QUEUED, JobStatus.PROCESSING)
ABANDONED_MESSAGE = (
    "Transcription stopped repeatedly on our side. You have not been charged; "
    "please try again or contact support."
)


@dataclass(frozen=True)
class Claim:
    job: TranscriptionJob
    attempt: int


def mine(claim: Claim) -> Q:
    """The job, as long as it is still this claim's to work on."""
    return Q(pk=claim.job.pk, status=JobStatus.PROCESSING, attempts=claim.attempt)


def job_waiting(now: datetime) -> Q:
    """A queued job that a worker may start now."""
    return Q(due(now), status=JobStatus.QUEUED, attempts__lt=settings.HARK_JOB_MAX_ATTEMPTS)


def job_claim(job_id: str, *, now: datetime | None = None) -> Claim | None:
    """queued (due) → processing, or processing with an expired lease → processing under
    a new attempt (a parked one is the parked sweeper's). None when it lost."""
    now = now or timezone.now()
    claimable = job_waiting(now) | Q(
        status=JobStatus.PROCESSING, lease_expires_at__lt=now, parked_reference=""
    )
    claimed = (
        TranscriptionJob.objects.filter(claimable, pk=job_id)
        .filter(attempts__lt=settings.HARK_JOB_MAX_ATTEMPTS)
        .update(
            status=JobStatus.PROCESSING,
            attempts=F("attempts") + 1,
            lease_expires_at=lease_deadline(now),
            retry_at=None,
            started_at=now,
            parked_reference="",
        )
    )
    if not claimed:
        return None
    job = TranscriptionJob.objects.get(pk=job_id)
    return Claim(job=job, attempt=job.attempts)


def job_heartbeat(claim: Claim, *, fraction: float) -> None:
    """Record progress and renew the lease; raises JobLost if the job is no longer ours."""
    progress = max(0, min(99, int(fraction * 100)))
    alive = TranscriptionJob.objects.filter(mine(claim)).update(
        progress=progress, lease_expires_at=lease_deadline()
    )
    if not alive:
        raise JobLost()


def job_renew_lease(claim: Claim, *, now: datetime | None = None) -> None:
    """Renew the lease without touching progress; raises JobLost if no longer ours."""
    alive = TranscriptionJob.objects.filter(mine(claim)).update(
        lease_expires_at=lease_deadline(now)
    )
    if not alive:
        raise JobLost()


@transaction.atomic
def job_complete(
    claim: Claim, result: TranscriptionResult, *, usage: Mapping[str, float] | None = None
) -> bool:
    """processing (this attempt) → completed: store the transcript, capture the actual
    cost, queue an ordered translation, emit ``job.completed``.

    ``usage`` is the seconds each provider served (chunks may have been served by
    different ones); by default all of ``result.duration`` by ``result.engine``. Each
    provider's seconds are charged at its price. Returns False (and changes nothing)
    when the job is no longer this attempt's.
    """
    # Imported here: the follow-up queues a translation, whose lifecycle builds on events.
    from jobs.translation.services.follow_up import translation_follow_up

    job = claim.job
    # Summaries read best without fillers, whatever the job type; the transcript itself
    # is stored as the engine gave it, and read through the job type.
    summary, topics = (
        summarize(
            apply_job_type(result.segments, JobType.SMART, language=result.language),
            language=result.language,
        )
        if job.summary_requested
        else ("", [])
    )
    extras = priced_options(diarization=job.diarization, summary=job.summary_requested)
    usage = usage or {result.engine or job.engine: result.duration}
    # A job an order pays for charges nothing itself (the order's hold is captured by
    # the order), so hold_capture below finds no hold of the job's.
    cost = Decimal("0") if job.paid_by else usage_price(usage, options=extras)
    finished = TranscriptionJob.objects.filter(mine(claim)).update(
        status=JobStatus.COMPLETED,
        progress=100,
        finished_at=timezone.now(),
        lease_expires_at=None,
        providers=served_by(usage),
    )
    if not finished:
        return False
    transcript_store_original(
        job, result.segments, language=result.language, summary=summary, topics=topics
    )
    minutes = result.duration / 60
    entry = hold_capture(
        reference=job.billing_reference,
        amount=cost,
        description=f"Transcription of {job.original_filename or job.pk} ({minutes:.2f} min)",
        seconds=result.duration,
        product=job.engine,
    )
    charged = -entry.amount if entry is not None else cost
    TranscriptionJob.objects.filter(pk=job.pk).update(credits_used=charged)
    # A translation ordered with the job, held from what the capture just released.
    translation_follow_up(job)
    job_event_emit(job_id=job.pk, event_type=JOB_COMPLETED)
    return True


@transaction.atomic
def job_fail(job: TranscriptionJob, message: str, *, attempt: int | None = None) -> bool:
    """fetching|queued|processing (of ``attempt``, when given) → failed, with a message
    for the customer; the hold (if any: a fetching job has none) is released and
    ``job.failed`` emitted."""
    condition = Q(pk=job.pk, status__in=CANCELABLE)
    if attempt is not None:
        condition &= Q(attempts=attempt)
    failed = TranscriptionJob.objects.filter(condition).update(
        status=JobStatus.FAILED,
        error_message=message,
        finished_at=timezone.now(),
        lease_expires_at=None,
        retry_at=None,
        credits_used=0,
    )
    if failed:
        hold_release(reference=job.billing_reference)
        job_event_emit(job_id=job.pk, event_type=JOB_FAILED)
    return bool(failed)


def job_retry_later(claim: Claim, *, retry_at: datetime | None = None) -> bool:
    """processing (this attempt) → queued, its task not run before ``retry_at`` (the
    hold stays placed meanwhile)."""
    with transaction.atomic():
        requeued = TranscriptionJob.objects.filter(mine(claim)).update(
            status=JobStatus.QUEUED, lease_expires_at=None, progress=0, retry_at=retry_at
        )
        if requeued:
            job_enqueue(claim.job, not_before=retry_at)
    return bool(requeued)


def job_park(claim: Claim, deferred: Deferred) -> bool:
    """processing → processing, parked on ``deferred`` (no worker holds it); False when
    it was canceled or taken over meanwhile."""
    parked = TranscriptionJob.objects.filter(mine(claim)).update(**parking_fields(deferred))
    return parked_settled(bool(parked), claim.job.pk, deferred)


def job_unpark(job: TranscriptionJob) -> bool:
    """Take a parked job back for a worker: clear the reference (only one caller can) and
    give it a worker's lease."""
    still = mine(Claim(job=job, attempt=job.attempts))
    return bool(
        TranscriptionJob.objects.filter(still, parked_reference=job.parked_reference).update(
            parked_reference="", lease_expires_at=lease_deadline()
        )
    )


@transaction.atomic
def job_cancel(job: TranscriptionJob) -> bool:
    """fetching|queued|processing → canceled; the hold (if any) is released and
    ``job.canceled`` emitted.
    A running worker notices at its next heartbeat (its conditional update no longer
    matches) and stops without charging."""
    canceled = TranscriptionJob.objects.filter(
        organization_id=job.organization_id, pk=job.pk, status__in=CANCELABLE
    ).update(
        status=JobStatus.CANCELED, finished_at=timezone.now(), lease_expires_at=None, retry_at=None
    )
    if canceled:
        hold_release(reference=job.billing_reference)
        job_event_emit(job_id=job.pk, event_type=JOB_CANCELED)
    return bool(canceled)


def job_apply(claim: Claim, outcome: Outcome) -> bool:
    """Apply an outcome of the ladder to the claimed job; True when its transition won."""
    match outcome:
        case Park(deferred):
            return job_park(claim, deferred)
        case Lost():
            return False
        case RetryLater(retry_at):
            return job_retry_later(claim, retry_at=retry_at)
        case Fail(message):
            return job_fail(claim.job, message, attempt=claim.attempt)
    raise AssertionError(outcome)  # pragma: no cover


def job_settle(claim: Claim, work: Callable[[], TranscriptionResult | None]) -> None:
    """Do ``work`` for the claimed job and act on how it ended: complete the job with its
    result (None: the job's chunks finish it); otherwise what the ladder says."""
    try:
        result = work()
    except Exception as exc:
        job_apply(claim, outcome_of(exc, tries=claim.attempt, what=f"job {claim.job.pk}"))
        return
    if result is not None and not job_complete(claim, result):
        logger.info("job %s finished by someone else; result discarded", claim.job.pk)


def job_requeue_stalled(job: TranscriptionJob, still: Q) -> int:
    """processing (worker lost) → queued, or → failed when out of attempts; ``still`` is
    the condition under which it is still abandoned."""
    if out_of_attempts(job.attempts):
        return int(job_fail(job, ABANDONED_MESSAGE, attempt=job.attempts))
    with transaction.atomic():
        requeued = (
            TranscriptionJob.objects.filter(pk=job.pk, status=JobStatus.PROCESSING)
            .filter(still)
            .update(status=JobStatus.QUEUED, lease_expires_at=None)
        )
        if requeued:
            job_enqueue(job)
    return requeued


def jobs_requeue_stalled(now: datetime) -> int:
    """The sweeper's: jobs whose worker stopped renewing its lease (killed, crashed,
    machine lost) go back to the queue, or fail when out of attempts."""
    still = Q(lease_expires_at__lt=now, parked_reference="")
    stale = TranscriptionJob.objects.filter(still, status=JobStatus.PROCESSING)
    return sum(job_requeue_stalled(job, still) for job in stale)


def jobs_retry_overdue(now: datetime) -> int:
    """Queue again the jobs whose retry fell due a while ago and was never claimed: its
    delayed task was lost, or a broker without delays ran it early and it was refused."""
    overdue = TranscriptionJob.objects.filter(
        status=JobStatus.QUEUED, retry_at__lte=now - timedelta(seconds=OVERDUE_SECONDS)
    )
    queued = 0
    for job in overdue:
        with transaction.atomic():
            # Cleared, so one overdue retry is queued once; a second task would be harmless.
            if TranscriptionJob.objects.filter(
                pk=job.pk, status=JobStatus.QUEUED, retry_at=job.retry_at
            ).update(retry_at=None):
                job_enqueue(job)
                queued += 1
    return queued
