"""The desk's routes: only staff with the reviewer permission get in; a claimed task is
shown as claimed to everyone else; a review of the doubtful segments only lets the
reviewer change those."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import Hold, HoldStatus
from jobs.pages.formatting import duration_label
from jobs.transcripts.models import Segment, Transcript
from jobs.transcripts.selectors import transcript_current
from review import services
from review.models import ReviewStatus, ReviewTask

pytestmark = pytest.mark.django_db

# (method, path): every desk route, pages and the reviewer's editing API.
DESK_ROUTES = [
    ("get", "/review/"),
    ("get", "/review/{task}/"),
    ("post", "/review/{task}/claim/"),
    ("post", "/review/{task}/deliver/"),
    ("post", "/review/{task}/refund/"),
    ("get", "/review/{task}/audio"),
    ("get", "/review/{task}/transcript/"),
    ("patch", "/review/{task}/transcript/segments/{segment}/"),
    ("post", "/review/{task}/transcript/undo/"),
    ("get", "/review/{task}/transcript/revisions/"),
]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def state(task: ReviewTask) -> tuple[object, ...]:
    task.refresh_from_db()
    return (task.status, task.reviewer_id, task.refund_reason,
            Hold.objects.get(reference=task.hold_reference).status,
            Transcript.objects.get(job=task.job, is_current=True).version)  # fmt: skip


@pytest.mark.parametrize(("method", "route"), DESK_ROUTES)
@pytest.mark.parametrize("who", ["plain_staff", "member"])
def test_every_desk_route_refuses_non_reviewers(
    request, alice, jfk_job, ordered_review, reviewer, method, route, who
):
    task = ordered_review(jfk_job)
    services.claim(task, reviewer)  # so a refusal is not just "claim it first"
    segment = Segment.objects.filter(transcript__job=jfk_job).order_by("position")[0]
    user = alice.user if who == "member" else request.getfixturevalue(who)
    before = state(task)

    path = route.format(task=task.pk, segment=segment.key)
    body = {"text": "hijacked", "version": 1, "reason": "x"}
    client = signed_in(user)
    if method == "patch":
        response = client.patch(path, body, content_type="application/json")
    else:
        response = getattr(client, method)(path, body)

    assert response.status_code in (403, 404), (route, response.status_code)
    assert state(task) == before


def test_a_second_reviewer_sees_the_task_is_taken_and_cannot_claim_it(
    jfk_job, ordered_review, reviewer, second_reviewer
):
    task = ordered_review(jfk_job)
    signed_in(reviewer).post(f"/review/{task.pk}/claim/")
    other = signed_in(second_reviewer)

    desk = other.get("/review/").content.decode()
    assert "Claimed by rita@hark.example" in desk
    assert f'action="/review/{task.pk}/claim/"' not in desk
    page = other.get(f"/review/{task.pk}/").content.decode()
    assert "Claimed by rita@hark.example" in page
    assert 'id="editor"' not in page

    refused = other.post(f"/review/{task.pk}/claim/", follow=True)
    assert "claimed by rita@hark.example" in refused.content.decode()
    assert other.get(f"/review/{task.pk}/transcript/").status_code == 409
    task.refresh_from_db()
    assert (task.status, task.reviewer) == (ReviewStatus.CLAIMED, reviewer)


def test_late_tasks_stand_out_on_the_desk(jfk_job, ordered_review, reviewer):
    late = ordered_review(jfk_job, due_at=timezone.now() - timedelta(hours=1))
    page = signed_in(reviewer).get("/review/").content.decode()
    assert f'<tr data-task="{late.pk}" class="review-late">' in page
    assert "1 past its deadline" in page


def test_the_desk_lists_open_orders_by_deadline_soonest_first(
    jfk_job, ami_job, ordered_review, reviewer
):
    later = ordered_review(jfk_job, due_at=timezone.now() + timedelta(days=3))
    sooner = ordered_review(ami_job, due_at=timezone.now() + timedelta(hours=2))
    page = signed_in(reviewer).get("/review/").content.decode()
    assert page.index(f'data-task="{sooner.pk}"') < page.index(f'data-task="{later.pk}"')


def test_the_desk_shows_a_recordings_length_as_a_duration(jfk_job, ordered_review, reviewer):
    ordered_review(jfk_job)
    page = signed_in(reviewer).get("/review/").content.decode()
    assert f"Alice Org · {duration_label(jfk_job.duration_seconds)} · " in page
    assert " s · " not in page


def test_a_review_of_doubtful_segments_changes_only_those(alice, ami_job, reviewer):
    ordered = alice.client().post(f"/api/v1/transcribe/{ami_job.pk}/review/")
    task = ReviewTask.objects.get(pk=ordered.json()["review_id"])
    client = signed_in(reviewer)
    client.post(f"/review/{task.pk}/claim/")
    rows = Segment.objects.filter(transcript=transcript_current(ami_job)).order_by("position")
    focus = task.segment_ids or []
    inside = next(r for r in rows if str(r.key) in focus)
    outside = next(r for r in rows if str(r.key) not in focus)
    api = f"/review/{task.pk}/transcript/"

    page = client.get(f"/review/{task.pk}/").content.decode()
    assert 'id="focus-segments"' in page
    assert 'data-role="customer-comment"' in page

    refused = client.patch(f"{api}segments/{outside.key}/", {"text": "no", "version": 1},
                           content_type="application/json")  # fmt: skip
    assert refused.status_code == 403
    assert "only the doubtful segments" in refused.json()["message"]
    fixed = client.patch(f"{api}segments/{inside.key}/", {"text": "Fixed.", "version": 1},
                         content_type="application/json")  # fmt: skip
    assert fixed.status_code == 200, fixed.content
    assert client.post(f"{api}replace/", {"find": "a", "replace": "b", "version": 2},
                       content_type="application/json").status_code == 403  # fmt: skip

    delivered = client.post(f"/review/{task.pk}/deliver/")
    assert delivered.status_code == 302
    assert Hold.objects.get(reference=task.hold_reference).status == HoldStatus.CAPTURED
