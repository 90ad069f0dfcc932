"""Every change to a review task: request, claim, deliver, refund, and claims that lapse.

Each status change is one conditional UPDATE on the task's row (``status`` and, where it
matters, ``reviewer`` in the WHERE clause), so two reviewers racing for a task, or a
reviewer racing the sweeper, cannot both win. Only staff with the ``review.review_orders``
permission may work the desk; ``reviewer_require`` is called by every service here and
by the desk's selectors, not by the pages.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from accounts.models import User
from accounts.permissions import PermissionDenied
from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.services import charge_refund, hold_capture, hold_release
from jobs.models import JobStatus, TranscriptionJob
from jobs.transcripts.services.editing import Editor
from review.errors import ReviewConflict, ReviewNotFound
from review.models import ReviewSource, ReviewStatus, ReviewTask
from review.signals import review_delivered, review_refunded

REVIEWER_PERMISSION = "review.review_orders"
NOT_A_REVIEWER = "Only staff with the reviewer permission can work on the review desk."


def is_reviewer(user: object) -> bool:
    return (
        isinstance(user, User)
        and user.is_active
        and user.is_staff
        and user.has_perm(REVIEWER_PERMISSION)
    )


def reviewer_require(user: object) -> User:
    """The user, when they may work the desk; PermissionDenied otherwise."""
    if not is_reviewer(user):
        raise PermissionDenied(NOT_A_REVIEWER)
    assert isinstance(user, User)
    return user


def claim_duration() -> timedelta:
    return timedelta(minutes=settings.HARK_REVIEW_CLAIM_MINUTES)


@transaction.atomic
def request_review(
    *,
    job: TranscriptionJob,
    due_at: datetime,
    comment: str,
    hold_reference: str,
    segment_ids: list[str] | None = None,
    source: str = ReviewSource.ORDER,
) -> ReviewTask:
    """Queue ``job``'s transcript (or just ``segment_ids`` of it) for a reviewer.

    The caller has priced the work and placed the hold ``hold_reference`` (or left it
    empty when it bills otherwise); delivery captures it and a refund releases it. The
    task shows on the desk once the job has completed, so a reviewer always opens a
    finished AI draft.
    """
    if source not in ReviewSource.values:
        raise ValueError(f"Unknown review source {source!r}.")
    return ReviewTask.objects.create(
        organization_id=job.organization_id,
        job=job,
        due_at=due_at,
        comment=comment.strip(),
        hold_reference=hold_reference,
        segment_ids=list(segment_ids) if segment_ids is not None else None,
        source=source,
    )


def task_for_reviewer(reviewer: object, task_id: object) -> ReviewTask:
    """The task, for a reviewer; ReviewNotFound for a missing one or a bad id."""
    reviewer_require(reviewer)
    try:
        return ReviewTask.objects.select_related("job", "organization", "reviewer").get(
            pk=int(str(task_id)), job__status=JobStatus.COMPLETED
        )
    except (ValueError, ReviewTask.DoesNotExist):
        raise ReviewNotFound() from None


def claim(task: ReviewTask, reviewer: object, *, now: datetime | None = None) -> ReviewTask:
    """Give ``task`` to ``reviewer`` until the claim expires; ReviewConflict when someone
    else holds it or it is closed. Claiming one's own task again extends the claim."""
    user = reviewer_require(reviewer)
    now = now or timezone.now()
    claimable = Q(status=ReviewStatus.QUEUED) | Q(status=ReviewStatus.CLAIMED, reviewer=user)
    won = ReviewTask.objects.filter(claimable, pk=task.pk, job__status=JobStatus.COMPLETED).update(
        status=ReviewStatus.CLAIMED,
        reviewer=user,
        claimed_at=now,
        claim_expires_at=now + claim_duration(),
    )
    task.refresh_from_db()
    if not won:
        raise ReviewConflict(_why_not_yours(task))
    return task


def claim_require(task: ReviewTask, reviewer: object) -> User:
    """The reviewer, when they hold ``task``'s claim (what editing and closing need)."""
    user = reviewer_require(reviewer)
    task.refresh_from_db()
    if task.status != ReviewStatus.CLAIMED or task.reviewer_id != user.pk:
        raise ReviewConflict(_why_not_yours(task))
    return user


def review_editor(task: ReviewTask, reviewer: object) -> Editor:
    """The editor identity a reviewer edits ``task``'s transcript with: the reviewer's own,
    let in by their claim rather than by membership of the customer's organization."""
    return Editor(user=claim_require(task, reviewer), reviewing=True)


def deliver(task: ReviewTask, reviewer: object, *, now: datetime | None = None) -> ReviewTask:
    """Close ``task`` as reviewed: capture its hold and send ``review_delivered``."""
    user = reviewer_require(reviewer)
    now = now or timezone.now()
    with transaction.atomic():
        closed = _close(task, user, status=ReviewStatus.DELIVERED, delivered_at=now)
        if task.hold_reference:
            hold = Hold.objects.filter(reference=task.hold_reference).first()
            hold_capture(
                reference=task.hold_reference,
                amount=hold.amount if hold is not None else Decimal("0"),
                description=f"Human review of {task.job.original_filename or 'a transcript'}",
                product="review",
            )
        transaction.on_commit(lambda: review_delivered.send(sender=ReviewTask, task=closed))
    return closed


def refund(task: ReviewTask, reviewer: object, reason: str) -> ReviewTask:
    """Close ``task`` unreviewed, saying why: release its hold (or refund the charge if it
    was captured) and send ``review_refunded``."""
    user = reviewer_require(reviewer)
    reason = reason.strip()
    if not reason:
        raise ReviewConflict("Say why the review is refunded: the customer is told.")
    with transaction.atomic():
        closed = _close(task, user, status=ReviewStatus.REFUNDED, refund_reason=reason)
        if task.hold_reference and not hold_release(reference=task.hold_reference):
            _refund_charge(task.hold_reference, reason, user)
        transaction.on_commit(
            lambda: review_refunded.send(sender=ReviewTask, task=closed, reason=reason)
        )
    return closed


def release_abandoned_claims(now: datetime | None = None) -> int:
    """Put tasks whose claim expired back in the queue; returns how many went back."""
    now = now or timezone.now()
    return ReviewTask.objects.filter(status=ReviewStatus.CLAIMED, claim_expires_at__lte=now).update(
        status=ReviewStatus.QUEUED, reviewer=None, claimed_at=None, claim_expires_at=None
    )


def _close(task: ReviewTask, user: User, *, status: str, **fields: object) -> ReviewTask:
    closed = ReviewTask.objects.filter(
        pk=task.pk, status=ReviewStatus.CLAIMED, reviewer=user
    ).update(status=status, claim_expires_at=None, **fields)
    task.refresh_from_db()
    if not closed:
        raise ReviewConflict(_why_not_yours(task))
    return task


def _refund_charge(reference: str, reason: str, user: User) -> None:
    charge = LedgerEntry.objects.filter(reference=reference, kind=EntryKind.CHARGE).first()
    if (
        charge is not None
        and Hold.objects.filter(reference=reference, status=HoldStatus.CAPTURED).exists()
    ):
        charge_refund(charge_id=charge.pk, amount=None, reason=reason, actor=user)


def _why_not_yours(task: ReviewTask) -> str:
    if task.status == ReviewStatus.CLAIMED:
        who = task.reviewer.email if task.reviewer else "another reviewer"
        return f"This task is claimed by {who}; it returns to the queue if they leave it."
    if task.status == ReviewStatus.QUEUED:
        return "Claim this task before you edit, deliver or refund it."
    return f"This task was already {task.status}."
