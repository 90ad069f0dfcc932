"""Transitions of a translation job.

::

    queued ──claim──▶ processing ──complete──▶ completed   (hold captured)
      ▲  ▲              │  │ ──fail──────────▶ failed      (hold released)
      │  └─retry_later──┘  │
      └──requeue_stalled───┘ (lease ran out: back to the queue, or failed)
    queued|processing ──cancel──▶ canceled                 (hold released)
    (none) ──refused──▶ failed   (an ordered translation that cannot be made; no hold)
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from billing.services import hold_capture, hold_release
from jobs.lifecycle.common import OVERDUE_SECONDS, due, out_of_attempts
from jobs.lifecycle.outcomes import Fail, Lost, Park, RetryLater, outcome_of
from jobs.models import JobStatus
from jobs.translation.models import TranslationJob
from jobs.translation.services.events import translation_event_emit
from lib.queue import enqueue_not_before

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=30)
CANCELABLE = (JobStatus.QUEUED, JobStatus.PROCESSING)
CRASH_MESSAGE = "Something went wrong on our side; you were not charged."
ABANDONED_MESSAGE = (
    "Translation stopped repeatedly on our side. You have not been charged; "
    "please try again or contact support."
)


def translation_enqueue(
    translation_id: uuid.UUID | str, *, not_before: datetime | None = None
) -> None:
    # Inside the caller's transaction: the broker's row commits with the state.
    enqueue_not_before(
        "jobs.translation.tasks.translate",
        str(translation_id),
        not_before=not_before,
        task_name=f"translate {translation_id} again",
    )


def _mine(translation: TranslationJob) -> Q:
    return Q(pk=translation.pk, status=JobStatus.PROCESSING, attempts=translation.attempts)


def translation_claim(translation_id: str, *, now: datetime | None = None) -> TranslationJob | None:
    """queued (due) → processing, or processing past its lease → processing under a new
    attempt. A queued one only once its retry is due: a task delivered twice cannot
    skip the wait. None when it lost."""
    now = now or timezone.now()
    claimed = TranslationJob.objects.filter(
        Q(due(now), status=JobStatus.QUEUED)
        | Q(status=JobStatus.PROCESSING, lease_expires_at__lt=now),
        pk=translation_id,
    ).update(
        status=JobStatus.PROCESSING,
        attempts=F("attempts") + 1,
        started_at=now,
        lease_expires_at=now + LEASE,
        retry_at=None,
        progress=5,
    )
    if not claimed:
        return None
    return TranslationJob.objects.select_related("source_job").get(pk=translation_id)


@transaction.atomic
def translation_complete(
    translation: TranslationJob,
    *,
    cost: Decimal,
    description: str,
    product: str,
    tried: list[str],
    store: Callable[[], None],
) -> bool:
    """processing (this attempt) → completed: ``store`` the result, capture ``cost``,
    emit ``job.completed``. False (nothing stored, nothing charged) when it lost."""
    mine = TranslationJob.objects.filter(_mine(translation))
    won = mine.update(
        status=JobStatus.COMPLETED,
        progress=100,
        finished_at=timezone.now(),
        lease_expires_at=None,
        providers=[*translation.providers, *tried],
    )
    if not won:
        return False  # canceled, or taken over after this worker's lease ran out
    store()
    entry = hold_capture(
        reference=translation.billing_reference,
        amount=cost,
        description=description,
        product=product,
    )
    TranslationJob.objects.filter(pk=translation.pk).update(
        credits_used=-entry.amount if entry is not None else cost,
        # Stamped again once the result is stored: that is when it can be read.
        finished_at=timezone.now(),
    )
    translation_event_emit(translation.pk, completed=True)
    return True


@transaction.atomic
def translation_fail(
    translation: TranslationJob,
    message: str,
    *,
    tried: Sequence[str] = (),
    attempt: int | None = None,
) -> bool:
    """processing (this attempt; or queued|processing without ``attempt``) → failed; the
    hold is released and ``job.failed`` emitted."""
    condition = Q(pk=translation.pk, status__in=CANCELABLE)
    if attempt is not None:
        condition &= Q(status=JobStatus.PROCESSING, attempts=attempt)
    failed = TranslationJob.objects.filter(condition).update(
        status=JobStatus.FAILED,
        error_message=message[:2000],
        finished_at=timezone.now(),
        lease_expires_at=None,
        retry_at=None,
        providers=[*translation.providers, *tried],
    )
    if failed:
        hold_release(reference=translation.billing_reference)
        translation_event_emit(translation.pk, completed=False)
    return bool(failed)


@transaction.atomic
def translation_retry_later(
    translation: TranslationJob, retry_at: datetime, *, tried: Sequence[str] = ()
) -> bool:
    """processing (this attempt) → queued, its task not run before ``retry_at``; its
    credits stay held meanwhile."""
    requeued = TranslationJob.objects.filter(_mine(translation)).update(
        status=JobStatus.QUEUED,
        lease_expires_at=None,
        progress=0,
        retry_at=retry_at,
        providers=[*translation.providers, *tried],
    )
    if requeued:
        translation_enqueue(translation.pk, not_before=retry_at)
    return bool(requeued)


def translation_settle(translation: TranslationJob, exc: Exception, *, tried: list[str]) -> bool:
    """Apply the ladder's outcome of ``exc`` to the claimed translation."""
    what = f"translation {translation.pk}"
    match outcome_of(exc, tries=translation.attempts, crash_message=CRASH_MESSAGE, what=what):
        case RetryLater(retry_at):
            return translation_retry_later(translation, retry_at, tried=tried)
        case Fail(message):
            return translation_fail(translation, message, tried=tried, attempt=translation.attempts)
        case Lost() | Park():
            # No translator parks; a lost translation is someone else's.
            return False
    raise AssertionError(exc)  # pragma: no cover


@transaction.atomic
def translation_cancel(translation: TranslationJob) -> bool:
    """queued|processing → canceled; the hold is released."""
    canceled = TranslationJob.objects.filter(
        organization_id=translation.organization_id, pk=translation.pk, status__in=CANCELABLE
    ).update(
        status=JobStatus.CANCELED, finished_at=timezone.now(), lease_expires_at=None, retry_at=None
    )
    if canceled:
        hold_release(reference=translation.billing_reference)
    return bool(canceled)


def translation_refused(**fields: Any) -> TranslationJob:
    """(none) → failed: record a translation that cannot be made (ordered with a job
    whose language has no translator into the target, say); nothing was held. Emits
    ``job.failed``; call inside the transaction that decided it."""
    translation = TranslationJob.objects.create(
        **fields, status=JobStatus.FAILED, finished_at=timezone.now()
    )
    translation_event_emit(translation.pk, completed=False)
    return translation


def translation_requeue_stalled(translation: TranslationJob, *, now: datetime) -> bool:
    """processing past its lease (worker lost) → queued at once, or → failed (hold
    released) when out of attempts."""
    if out_of_attempts(translation.attempts):
        return translation_fail(translation, ABANDONED_MESSAGE, attempt=translation.attempts)
    with transaction.atomic():
        requeued = TranslationJob.objects.filter(
            _mine(translation), lease_expires_at__lt=now
        ).update(status=JobStatus.QUEUED, lease_expires_at=None, progress=0)
        if requeued:
            translation_enqueue(translation.pk)
    return bool(requeued)


def translations_requeue_stalled(now: datetime) -> int:
    """The sweeper's: translations whose worker stopped (killed, crashed) go back to the
    queue, or fail when out of attempts."""
    stale = TranslationJob.objects.filter(status=JobStatus.PROCESSING, lease_expires_at__lt=now)
    return sum(translation_requeue_stalled(t, now=now) for t in stale)


def translations_retry_overdue(now: datetime) -> int:
    """Queue again the translations whose retry fell due a while ago and was never
    claimed (as ``jobs_retry_overdue`` for transcriptions)."""
    overdue = TranslationJob.objects.filter(
        status=JobStatus.QUEUED, retry_at__lte=now - timedelta(seconds=OVERDUE_SECONDS)
    )
    queued = 0
    for translation in overdue:
        with transaction.atomic():
            # Cleared, so an overdue retry is queued once.
            if TranslationJob.objects.filter(
                pk=translation.pk, status=JobStatus.QUEUED, retry_at=translation.retry_at
            ).update(retry_at=None):
                translation_enqueue(translation.pk)
                queued += 1
    return queued
