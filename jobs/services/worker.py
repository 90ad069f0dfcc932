"""The worker's side of a job: claim, heartbeat, finish, fail, recover.

Every transition is a conditional UPDATE on (status, attempts), so a task delivered
twice, a worker that lost its lease, or a job canceled mid-run can never finish a job a
second time or charge it twice. Short audio is transcribed here in one go, through the
job's route of providers (``jobs.routing``); long audio is cut into chunks that run as
tasks of their own (``jobs.services.chunks``).

When every provider of the route fails transiently, the job goes back to the queue with
a ``retry_at`` on a growing schedule (``HARK_JOB_RETRY_SCHEDULE``, or longer when an
upstream's Retry-After asked for more): its task waits as an ORM-broker row that no
worker takes before then (``lib.queue``), and ``job_claim`` refuses it sooner, so a task
delivered twice cannot skip the wait.

When a provider takes the work and will call back (``Deferred``), the job is parked
(``jobs.services.parked``): still processing, but no worker waits for it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from billing.pricing import priced_options
from billing.services import hold_capture, hold_release
from jobs.engines import engine_info
from jobs.engines.base import (
    Deferred,
    ProviderError,
    TranscriptionRequest,
    TranscriptionResult,
)
from jobs.media.probe import UnsupportedMedia
from jobs.media.storage import local_media
from jobs.models import JobStatus, JobType, TranscriptionJob
from jobs.routing import Collected, Route, route_transcribe
from jobs.services.attempts import attempt_recorder, served_by, usage_price
from jobs.services.callbacks import job_callbacks
from jobs.services.intake import job_enqueue
from jobs.services.keepalive import HEARTBEAT_INTERVAL_SECONDS as HEARTBEAT_INTERVAL_SECONDS
from jobs.services.keepalive import JobLost as JobLost
from jobs.services.keepalive import Throttled as Throttled
from jobs.services.keepalive import kept_alive as kept_alive
from jobs.text import apply_job_type, summarize
from jobs.transcripts.services.storing import transcript_store_original
from jobs.translation.services.follow_up import translation_follow_up
from lib.queue import backoff_seconds
from webhooks.events import JOB_COMPLETED, JOB_FAILED
from webhooks.services import job_event_emit

logger = logging.getLogger(__name__)

CRASH_MESSAGE = (
    "Something went wrong on our side while transcribing this file. "
    "You have not been charged; please try again."
)
# An upstream asking us to come back later is believed up to this long.
MAX_RETRY_AFTER_SECONDS = 10 * 60
# A job or chunk due this long ago whose task never ran is queued again by the sweeper
# (another broker than the ORM's runs a delayed task at once, and it is refused).
OVERDUE_SECONDS = 30


@dataclass(frozen=True)
class Claim:
    job: TranscriptionJob
    attempt: int


def lease_deadline() -> datetime:
    return timezone.now() + timedelta(seconds=settings.HARK_JOB_LEASE_SECONDS)


_lease_deadline = lease_deadline


def due(now: datetime) -> Q:
    """Not waiting for a retry (a job or a chunk)."""
    return Q(retry_at__isnull=True) | Q(retry_at__lte=now)


def job_waiting(now: datetime) -> Q:
    """A queued job that a worker may start now."""
    return Q(due(now), status=JobStatus.QUEUED, attempts__lt=settings.HARK_JOB_MAX_ATTEMPTS)


def job_claim(job_id: str) -> Claim | None:
    """Take a queued job whose retry is due, or a running one whose worker's lease has
    expired (a parked one is the parked sweeper's: ``jobs.services.parked``)."""
    now = timezone.now()
    claimable = job_waiting(now) | Q(
        status=JobStatus.PROCESSING, lease_expires_at__lt=now, parked_reference=""
    )
    claimed = (
        TranscriptionJob.objects.filter(claimable, pk=job_id)
        .filter(attempts__lt=settings.HARK_JOB_MAX_ATTEMPTS)
        .update(
            status=JobStatus.PROCESSING,
            attempts=F("attempts") + 1,
            lease_expires_at=_lease_deadline(),
            retry_at=None,
            started_at=now,
            parked_reference="",
        )
    )
    if not claimed:
        return None
    job = TranscriptionJob.objects.get(pk=job_id)
    return Claim(job=job, attempt=job.attempts)


def mine(claim: Claim) -> Q:
    """The job, as long as it is still this claim's to work on."""
    return Q(pk=claim.job.pk, status=JobStatus.PROCESSING, attempts=claim.attempt)


_mine = mine


def job_route(job: TranscriptionJob) -> Route:
    """The providers chosen for the job at intake, in order."""
    providers = tuple(job.route or [job.engine])
    return Route(engine=job.engine, providers=providers, language=job.language)


def job_heartbeat(claim: Claim, *, fraction: float) -> None:
    """Record progress and renew the lease; raises JobLost if the job is no longer ours."""
    progress = max(0, min(99, int(fraction * 100)))
    alive = TranscriptionJob.objects.filter(_mine(claim)).update(
        progress=progress, lease_expires_at=_lease_deadline()
    )
    if not alive:
        raise JobLost()


@transaction.atomic
def job_complete(
    claim: Claim, result: TranscriptionResult, *, usage: Mapping[str, float] | None = None
) -> bool:
    """Store the transcript, capture the actual cost and mark the job completed.

    ``usage`` is the seconds each provider served (chunks may have been served by
    different ones); by default all of ``result.duration`` by ``result.engine``. Each
    provider's seconds are charged at its price. Returns False (and changes nothing)
    when the job is no longer this attempt's.
    """
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
    finished = TranscriptionJob.objects.filter(_mine(claim)).update(
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
    """Mark the job failed with a message for the customer and release its hold."""
    condition = Q(pk=job.pk, status__in=(JobStatus.QUEUED, JobStatus.PROCESSING))
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


def retry_time(tries: int, retry_after: float | None = None) -> datetime:
    """When to try again after ``tries`` transiently failed tries."""
    delay = backoff_seconds(
        settings.HARK_JOB_RETRY_SCHEDULE,
        tries,
        retry_after=retry_after,
        max_retry_after=MAX_RETRY_AFTER_SECONDS,
    )
    return timezone.now() + timedelta(seconds=delay)


def job_requeue(claim: Claim, *, retry_at: datetime | None = None) -> bool:
    """Give a transiently failed attempt back to the queue for another try, at once or
    not before ``retry_at``; the job stays "queued" meanwhile."""
    with transaction.atomic():
        requeued = TranscriptionJob.objects.filter(_mine(claim)).update(
            status=JobStatus.QUEUED, lease_expires_at=None, progress=0, retry_at=retry_at
        )
        if requeued:
            job_enqueue(claim.job, not_before=retry_at)
    return bool(requeued)


def job_run(job_id: str) -> None:
    """Transcribe one job end to end; safe to call any number of times for the same id."""
    claim = job_claim(job_id)
    if claim is None:
        logger.info("job %s is not claimable (finished, canceled or held); skipping", job_id)
        return
    route = job_route(claim.job)
    job_settle(claim, lambda: _job_work(claim, route))


def _job_work(claim: Claim, route: Route) -> TranscriptionResult | None:
    # Imported here: chunks builds on this module's claim, complete and fail.
    from jobs.services.chunks import chunks_start, should_chunk

    if claim.job.chunks_total or should_chunk(claim.job, route):
        chunks_start(claim, route)
        return None  # the chunks' tasks finish the job
    return job_transcribe(claim, route)


def job_settle(claim: Claim, work: Callable[[], TranscriptionResult | None]) -> None:
    """Do ``work`` for the claimed job and act on how it ended: complete the job with its
    result; park it when a provider will call back; give it back to the queue after a
    transient failure (or fail it, out of attempts); fail it after a permanent one."""
    job = claim.job
    try:
        result = work()
    except Deferred as deferred:
        from jobs.services.parked import job_park  # parked builds on this module

        job_park(claim, deferred)
        return
    except JobLost:
        logger.info("job %s was canceled or taken over; stopping", job.pk)
        return
    except UnsupportedMedia as exc:
        job_fail(job, exc.message, attempt=claim.attempt)
        return
    except ProviderError as exc:
        if exc.permanent or claim.attempt >= settings.HARK_JOB_MAX_ATTEMPTS:
            job_fail(job, exc.message, attempt=claim.attempt)
        else:
            job_requeue(claim, retry_at=retry_time(claim.attempt, exc.retry_after))
        return
    except Exception:
        logger.exception("job %s crashed", job.pk)
        job_fail(job, CRASH_MESSAGE, attempt=claim.attempt)
        return
    if result is not None and not job_complete(claim, result):
        logger.info("job %s finished by someone else; result discarded", job.pk)


def job_request(job: TranscriptionJob, path: Path) -> TranscriptionRequest:
    """What the job asks of a provider for the audio at ``path`` (its media)."""
    return TranscriptionRequest(
        path=path,
        language=job.language,
        start=job.trim_start,
        end=job.trim_end,
        diarization=job.diarization,
        word_timestamps=True,
        vocabulary=tuple(job.vocabulary),
        callbacks=job_callbacks(job),
        task=job.task,
        prompt=job.prompt,
        max_speakers=job.max_speakers,
    )


def job_transcribe(
    claim: Claim, route: Route, *, resume: Collected | None = None
) -> TranscriptionResult:
    """The whole job's audio through its route (or, with ``resume``, on from the
    provider that was parked), keeping the lease while upstreams think."""
    job = claim.job
    upstream = any(engine_info(name).upstream for name in route.providers)
    with (
        local_media(job.media.name or "") as path,
        kept_alive(lambda: job_heartbeat_lease(claim), enabled=upstream) as guard,
    ):
        on_progress = Throttled(lambda fraction: job_heartbeat(claim, fraction=fraction))
        result = route_transcribe(
            route,
            job_request(job, path),
            guard.progress(on_progress),
            record=attempt_recorder(job),
            resume=resume,
        )
        guard.check()
    return result


def job_heartbeat_lease(claim: Claim) -> None:
    """Renew the lease without touching progress; raises JobLost if no longer ours."""
    if not TranscriptionJob.objects.filter(mine(claim)).update(lease_expires_at=lease_deadline()):
        raise JobLost()


def jobs_recover_abandoned() -> int:
    """Re-queue jobs whose worker stopped reporting (killed, crashed, machine lost);
    fail those that have used up their attempts; queue again waiting jobs whose retry
    is overdue; ask upstreams about parked jobs and chunks whose callback is late; hand
    back tasks a lost cluster took before starting them (``jobs.services.stalled``).
    Returns how many were touched."""
    from jobs.services.chunks_recovery import chunks_recover
    from jobs.services.parked import parked_poll
    from jobs.services.stalled import stalled_tasks_requeue
    from jobs.translation.services.worker import translations_retry_overdue

    touched = parked_poll()
    now = timezone.now()
    stale = TranscriptionJob.objects.filter(
        status=JobStatus.PROCESSING, lease_expires_at__lt=now, parked_reference=""
    )
    for job in stale:
        touched += job_abandon(job, Q(lease_expires_at__lt=now, parked_reference=""))
    touched += jobs_retry_overdue(now) + translations_retry_overdue(now) + chunks_recover()
    return touched + stalled_tasks_requeue()


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


def job_abandon(job: TranscriptionJob, still: Q) -> int:
    """Give a job whose worker was lost back to the queue, or fail it when it has used up
    its attempts; ``still`` is the condition under which it is still abandoned."""
    if job.attempts >= settings.HARK_JOB_MAX_ATTEMPTS:
        return int(
            job_fail(
                job,
                "Transcription stopped repeatedly on our side. You have not been charged; "
                "please try again or contact support.",
                attempt=job.attempts,
            )
        )
    with transaction.atomic():
        requeued = (
            TranscriptionJob.objects.filter(pk=job.pk, status=JobStatus.PROCESSING)
            .filter(still)
            .update(status=JobStatus.QUEUED, lease_expires_at=None)
        )
        if requeued:
            job_enqueue(job)
    return requeued
