"""Transitions of a transcription job asked for by URL, while a worker fetches its media.

::

    (request) ──fetch_start──▶ fetching ──claim──▶ fetching (leased) ──fetched──▶ queued
                                  │  ▲                    │                 (hold placed)
                                  │  └─requeue_stalled────┘ (lease ran out)
                                  ├──fail──▶ failed     (nothing was held)
                                  └──cancel─▶ canceled  (nothing was held)

Nothing is held while fetching: the price is known only once the media is measured.
``job_fetched`` then moves the job to ``queued``, places its hold and queues its task in
one transaction, as ``job_create`` does for an upload; a wallet that cannot pay fails
the job with the insufficient-credits sentence. Failing and canceling are
``job_fail`` and ``job_cancel`` of ``jobs.lifecycle.transcription``, whose hold
release finds nothing to release. A download that ends after the job was canceled (or
taken over) loses its ``job_fetched`` and is discarded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from billing.services import InsufficientCredits
from jobs.errors import JobError
from jobs.lifecycle.common import JobLost, lease_deadline, out_of_attempts
from jobs.lifecycle.transcription import Claim, job_fail
from jobs.models import JobStatus, TranscriptionJob
from jobs.services.intake import AdmittedMedia, job_enqueue, quote_hold
from lib.queue import enqueue_not_before

logger = logging.getLogger(__name__)

FETCH_CRASH_MESSAGE = (
    "Something went wrong on our side while fetching this URL. "
    "You have not been charged; please try again."
)
FETCH_ABANDONED_MESSAGE = (
    "Fetching this URL stopped repeatedly on our side. You have not been charged; "
    "please try again or upload the file."
)


def fetch_lease_deadline(now: datetime | None = None) -> datetime:
    """A fetch renews no lease: it may take the whole download deadline, then the usual
    lease to probe and store what arrived."""
    return lease_deadline(now) + timedelta(seconds=settings.HARK_URL_FETCH_SECONDS)


def fetch_enqueue(job: TranscriptionJob) -> None:
    """Queue the job's fetch task (inside the caller's transaction)."""
    enqueue_not_before("jobs.tasks.fetch_job", str(job.id), task_name=f"fetch {job.id}")


def fetching_mine(claim: Claim) -> Q:
    """The job, as long as it is still this claim's to fetch."""
    return Q(pk=claim.job.pk, status=JobStatus.FETCHING, attempts=claim.attempt)


def fetch_waiting() -> Q:
    """A fetching job no worker holds, whose task may start now."""
    return Q(
        status=JobStatus.FETCHING,
        lease_expires_at__isnull=True,
        attempts__lt=settings.HARK_JOB_MAX_ATTEMPTS,
    )


@transaction.atomic
def job_fetch_start(job: TranscriptionJob) -> TranscriptionJob:
    """(the request) → fetching: insert the unsaved ``job`` and queue its fetch task.
    No credits are held; its price is known once the media is measured."""
    job.status = JobStatus.FETCHING
    job.estimated_credits = 0
    job.save(force_insert=True)
    fetch_enqueue(job)
    return job


def job_fetch_claim(job_id: str, *, now: datetime | None = None) -> Claim | None:
    """fetching (no worker, or its lease ran out) → fetching under this worker's lease
    and a new attempt; None when it lost (canceled, fetched, or another worker's)."""
    now = now or timezone.now()
    free = Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=now)
    claimed = (
        TranscriptionJob.objects.filter(free, pk=job_id, status=JobStatus.FETCHING)
        .filter(attempts__lt=settings.HARK_JOB_MAX_ATTEMPTS)
        .update(
            attempts=F("attempts") + 1, lease_expires_at=fetch_lease_deadline(now), started_at=now
        )
    )
    if not claimed:
        return None
    job = TranscriptionJob.objects.get(pk=job_id)
    return Claim(job=job, attempt=job.attempts)


@transaction.atomic
def job_fetched(claim: Claim, media: AdmittedMedia) -> bool:
    """fetching (this attempt) → queued with its measured, stored media: the hold is
    placed and the transcription task queued in the same transaction. False (and nothing
    changed) when the job is no longer this attempt's; InsufficientCredits (nothing
    changed) when the wallet cannot pay."""
    job = claim.job
    moved = TranscriptionJob.objects.filter(fetching_mine(claim)).update(
        status=JobStatus.QUEUED,
        # The fetch's attempts are not the transcription's.
        attempts=0,
        lease_expires_at=None,
        started_at=None,
        **media.job_fields(),
    )
    if not moved:
        return False
    job_enqueue(job)
    quote_hold(organization=job.organization, job=job, quote=media.quote)
    return True


def job_fetch_settle(claim: Claim, work: Callable[[], bool]) -> bool:
    """Do ``work`` (fetch, admit, and hand the media to ``job_fetched``; True when it
    won) and act on how it ended: a refused, unreachable, unpriceable or unpayable URL
    fails the job uncharged with its sentence; a canceled job's download is dropped."""
    what = f"fetch of job {claim.job.pk}"
    try:
        won = work()
    except JobLost:
        logger.info("%s was canceled or taken over; download discarded", what)
        return False
    except (JobError, InsufficientCredits) as exc:
        return job_fail(claim.job, exc.message, attempt=claim.attempt)
    except Exception:
        logger.exception("%s crashed", what)
        return job_fail(claim.job, FETCH_CRASH_MESSAGE, attempt=claim.attempt)
    if not won:
        logger.info("%s lost its job meanwhile; download discarded", what)
    return won


def job_fetch_requeue_stalled(job: TranscriptionJob, still: Q) -> int:
    """fetching (its worker lost) → fetching with no worker and its task queued again,
    or → failed when out of attempts; ``still`` is the condition under which it is
    still abandoned."""
    if out_of_attempts(job.attempts):
        return int(job_fail(job, FETCH_ABANDONED_MESSAGE, attempt=job.attempts))
    with transaction.atomic():
        requeued = (
            TranscriptionJob.objects.filter(pk=job.pk, status=JobStatus.FETCHING)
            .filter(still)
            .update(lease_expires_at=None)
        )
        if requeued:
            fetch_enqueue(job)
    return requeued


def jobs_fetch_requeue_stalled(now: datetime) -> int:
    """The sweeper's: fetching jobs whose worker died mid-download are fetched again
    (or fail when out of attempts)."""
    still = Q(lease_expires_at__lt=now)
    stale = TranscriptionJob.objects.filter(still, status=JobStatus.FETCHING)
    return sum(job_fetch_requeue_stalled(job, still) for job in stale)
