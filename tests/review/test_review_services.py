"""The desk's services: one reviewer per task, abandoned claims go back to the queue,
delivering captures the hold and says so, refunding gives the credits back and says why,
and only staff with the reviewer permission get anywhere."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.permissions import PermissionDenied
from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry, Wallet
from jobs.options import TranscriptionOptions
from jobs.services.intake import job_create
from jobs.transcripts.errors import TranscriptForbidden
from jobs.transcripts.models import Segment
from jobs.transcripts.selectors import transcript_current
from jobs.transcripts.services.editing import Editor, segment_edit
from review import services
from review.errors import ReviewConflict, ReviewNotFound
from review.models import ReviewStatus
from review.selectors import desk_tasks
from review.signals import review_delivered, review_refunded
from tests.transcripts.helpers import JFK

pytestmark = pytest.mark.django_db


@pytest.fixture
def signals():
    """What the desk announced, as (signal name, task id, reason)."""
    heard: list[tuple[str, int, str]] = []

    def delivered(sender, task, **kwargs):
        heard.append(("delivered", task.pk, ""))

    def refunded(sender, task, reason, **kwargs):
        heard.append(("refunded", task.pk, reason))

    review_delivered.connect(delivered)
    review_refunded.connect(refunded)
    yield heard
    review_delivered.disconnect(delivered)
    review_refunded.disconnect(refunded)


def test_a_second_reviewer_cannot_claim_a_claimed_task(
    jfk_job, ordered_review, reviewer, second_reviewer
):
    task = ordered_review(jfk_job)
    services.claim(task, reviewer)

    with pytest.raises(ReviewConflict, match=r"claimed by rita@hark\.example"):
        services.claim(task, second_reviewer)

    task.refresh_from_db()
    assert (task.status, task.reviewer) == (ReviewStatus.CLAIMED, reviewer)
    with pytest.raises(ReviewConflict):
        services.deliver(task, second_reviewer)
    assert Hold.objects.get(reference=task.hold_reference).status == HoldStatus.ACTIVE


def test_an_abandoned_claim_returns_to_the_queue_when_it_expires(
    settings, jfk_job, ordered_review, reviewer, second_reviewer
):
    settings.HARK_REVIEW_CLAIM_MINUTES = 30
    task = ordered_review(jfk_job)
    claimed_at = timezone.now()
    services.claim(task, reviewer, now=claimed_at)
    assert task.claim_expires_at == claimed_at + timedelta(minutes=30)

    assert services.release_abandoned_claims(now=claimed_at + timedelta(minutes=29)) == 0
    task.refresh_from_db()
    assert task.status == ReviewStatus.CLAIMED

    assert services.release_abandoned_claims(now=claimed_at + timedelta(minutes=30)) == 1
    task.refresh_from_db()
    assert (task.status, task.reviewer, task.claim_expires_at) == (ReviewStatus.QUEUED, None, None)
    services.claim(task, second_reviewer)
    assert task.reviewer == second_reviewer


def test_the_sweeper_is_scheduled():
    from django_q.models import Schedule

    assert Schedule.objects.filter(func="review.tasks.release_abandoned_review_claims").exists()


def test_delivering_captures_the_hold_and_announces_it(
    django_capture_on_commit_callbacks, alice, jfk_job, ordered_review, reviewer, signals
):
    task = ordered_review(jfk_job, credits="5.00")
    services.claim(task, reviewer)
    balance_before = Wallet.objects.get(organization=alice.organization).balance

    with django_capture_on_commit_callbacks(execute=True):
        services.deliver(task, reviewer)

    task.refresh_from_db()
    assert task.status == ReviewStatus.DELIVERED
    assert task.delivered_at is not None
    charge = LedgerEntry.objects.get(reference=task.hold_reference, kind=EntryKind.CHARGE)
    assert (charge.amount, charge.product) == (Decimal("-5.00"), "review")
    wallet = Wallet.objects.get(organization=alice.organization)
    assert wallet.balance == balance_before - Decimal("5.00")
    assert Hold.objects.get(reference=task.hold_reference).status == HoldStatus.CAPTURED
    assert signals == [("delivered", task.pk, "")]
    with pytest.raises(ReviewConflict, match="already delivered"):
        services.refund(task, reviewer, "changed my mind")


def test_refunding_releases_the_hold_and_announces_the_reason(
    django_capture_on_commit_callbacks, alice, jfk_job, ordered_review, reviewer, signals
):
    wallet = Wallet.objects.get(organization=alice.organization)
    task = ordered_review(jfk_job, credits="5.00")
    services.claim(task, reviewer)
    assert Wallet.objects.get(pk=wallet.pk).available == wallet.available - Decimal("5.00")

    with pytest.raises(ReviewConflict, match="Say why"):
        services.refund(task, reviewer, "  ")
    with django_capture_on_commit_callbacks(execute=True):
        services.refund(task, reviewer, "The audio is music, no speech.")

    task.refresh_from_db()
    assert (task.status, task.refund_reason) == (
        ReviewStatus.REFUNDED, "The audio is music, no speech."
    )  # fmt: skip
    after = Wallet.objects.get(pk=wallet.pk)
    assert (after.balance, after.available) == (wallet.balance, wallet.available)
    assert Hold.objects.get(reference=task.hold_reference).status == HoldStatus.RELEASED
    assert signals == [("refunded", task.pk, "The audio is music, no speech.")]


def test_staff_without_the_permission_and_customers_are_refused(
    alice, jfk_job, ordered_review, plain_staff
):
    task = ordered_review(jfk_job)
    for outsider in (plain_staff, alice.user):
        with pytest.raises(PermissionDenied, match="reviewer permission"):
            desk_tasks(outsider)
        with pytest.raises(PermissionDenied):
            services.claim(task, outsider)
        with pytest.raises(PermissionDenied):
            services.task_for_reviewer(outsider, task.pk)
    task.refresh_from_db()
    assert task.status == ReviewStatus.QUEUED


def test_a_task_shows_on_the_desk_only_once_its_ai_draft_is_ready(
    alice, jfk_job, ordered_review, reviewer
):
    waiting = job_create(
        organization=alice.organization,
        path=JFK,
        filename="later.flac",
        options=TranscriptionOptions(),
        created_by=alice.user,
    )
    ordered_review(waiting)
    ready = ordered_review(jfk_job)

    assert list(desk_tasks(reviewer)) == [ready]
    with pytest.raises(ReviewNotFound):
        services.task_for_reviewer(reviewer, waiting.review_tasks.get().pk)


def test_the_reviewer_edits_through_the_claim_not_through_membership(
    jfk_job, ordered_review, reviewer, second_reviewer
):
    task = ordered_review(jfk_job)
    row = Segment.objects.filter(transcript=transcript_current(jfk_job)).order_by("position")[0]
    # Staff are not members of the customer's organization: the ordinary path refuses.
    with pytest.raises(TranscriptForbidden):
        segment_edit(jfk_job, Editor(user=reviewer), segment_id=row.key, version=1, text="x")
    with pytest.raises(ReviewConflict, match="Claim this task"):
        services.review_editor(task, reviewer)

    services.claim(task, reviewer)
    edit = segment_edit(
        jfk_job,
        services.review_editor(task, reviewer),
        segment_id=row.key,
        version=1,
        text="And so, my fellow Americans, ask not.",
    )
    assert edit.version == 2
    assert edit.transcript.revisions.get(version=2).author == reviewer
    with pytest.raises(ReviewConflict):
        services.review_editor(task, second_reviewer)
