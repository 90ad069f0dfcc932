"""Review of only the doubtful segments, ordered from the workspace: the quote charges
nothing, the order holds exactly the quoted price and queues those segments, and no one
outside the organization can quote or order it."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_UP, Decimal

import pytest

from billing.models import Hold, HoldStatus, LedgerEntry, Wallet
from billing.pricing import format_credits
from jobs.pages.formatting import duration_label
from jobs.transcripts.models import Segment
from jobs.transcripts.selectors import LOW_CONFIDENCE, transcript_current
from review.models import ReviewSource, ReviewStatus, ReviewTask

pytestmark = pytest.mark.django_db


def money(organization) -> tuple[object, ...]:
    wallet = Wallet.objects.get(organization=organization)
    return (wallet.balance, wallet.held, LedgerEntry.objects.count(), Hold.objects.count())


def doubtful(job) -> list[Segment]:
    rows = Segment.objects.filter(transcript=transcript_current(job)).order_by("position")
    return [r for r in rows if any(w["confidence"] < LOW_CONFIDENCE for w in r.words)]


def test_the_quote_prices_the_doubtful_segments_and_charges_nothing(settings, alice, ami_job):
    settings.HARK_REVIEW_PRICE_PER_MINUTE = Decimal("3")
    before = money(alice.organization)
    expected = doubtful(ami_job)
    all_rows = Segment.objects.filter(transcript=transcript_current(ami_job)).count()
    assert 0 < len(expected) < all_rows  # the clip has sure segments too

    response = alice.client().get(f"/api/v1/transcribe/{ami_job.pk}/review/")

    assert response.status_code == 200, response.content
    body = response.json()
    seconds = sum(r.end - r.start for r in expected)
    assert body["mode"] == "quote"
    assert body["segments"] == [str(r.key) for r in expected]
    assert body["seconds"] == pytest.approx(seconds, abs=0.001)
    price = (Decimal(str(seconds)) / 60 * 3).quantize(Decimal("0.01"), rounding=ROUND_UP)
    # As billing writes amounts: "0.8", not "0.80".
    assert body["credits"] == format_credits(price)
    assert money(alice.organization) == before
    assert not ReviewTask.objects.exists()


def test_ordering_holds_the_quoted_price_and_queues_just_those_segments(alice, ami_job):
    quote = alice.client().get(f"/api/v1/transcribe/{ami_job.pk}/review/").json()
    wallet = Wallet.objects.get(organization=alice.organization)

    response = alice.client().post(
        f"/api/v1/transcribe/{ami_job.pk}/review/", {"comment": "Four people talk."}, format="json"
    )

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["mode"], body["status"], body["credits"]) == ("order", "queued", quote["credits"])
    task = ReviewTask.objects.get(pk=body["review_id"])
    assert task.segment_ids == quote["segments"]
    assert (task.source, task.status, task.comment) == (
        ReviewSource.WORKSPACE, ReviewStatus.QUEUED, "Four people talk."
    )  # fmt: skip
    hold = Hold.objects.get(reference=task.hold_reference)
    assert (hold.amount, hold.status) == (Decimal(quote["credits"]), HoldStatus.ACTIVE)
    after = Wallet.objects.get(pk=wallet.pk)
    assert after.available == wallet.available - Decimal(quote["credits"])
    assert after.balance == wallet.balance  # held, not charged

    again = alice.client().post(f"/api/v1/transcribe/{ami_job.pk}/review/", {}, format="json")
    assert again.status_code == 409
    assert "already on its way" in again.json()["message"]


def test_another_organizations_member_cannot_quote_or_order_a_foreign_transcript(
    client, alice, bob, charlie, ami_job
):
    before = money(alice.organization)
    for method in ("get", "post"):
        response = getattr(bob.client(), method)(f"/api/v1/transcribe/{ami_job.pk}/review/")
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
    client.force_login(charlie)
    assert client.get(f"/jobs/{ami_job.pk}/review/").status_code == 404
    assert client.post(f"/jobs/{ami_job.pk}/review/").status_code == 404
    assert money(alice.organization) == before
    assert not ReviewTask.objects.exists()


def test_a_wallet_that_cannot_cover_the_review_is_refused_with_nothing_held(alice, ami_job):
    Wallet.objects.filter(organization=alice.organization).update(balance=Decimal("0.01"))
    before = money(alice.organization)

    response = alice.client().post(f"/api/v1/transcribe/{ami_job.pk}/review/")

    assert response.status_code == 402
    assert "requires" in response.json()["message"]
    assert money(alice.organization) == before
    assert not ReviewTask.objects.exists()


def test_a_transcript_with_no_doubtful_word_has_nothing_to_review(alice, jfk_job):
    response = alice.client().get(f"/api/v1/transcribe/{jfk_job.pk}/review/")
    assert response.status_code == 409
    assert "nothing to review" in response.json()["message"]


def test_the_workspace_page_quotes_then_orders(client, alice, ami_job):
    client.force_login(alice.user)
    before = money(alice.organization)

    detail = client.get(f"/jobs/{ami_job.pk}/")
    assert b'data-role="quote-review"' in detail.content
    quote = client.get(f"/jobs/{ami_job.pk}/review/")
    assert quote.status_code == 200
    assert b"nothing has been charged" in quote.content
    assert money(alice.organization) == before

    ordered = client.post(f"/jobs/{ami_job.pk}/review/", {"comment": "Thanks"}, follow=True)
    assert ordered.redirect_chain[-1][0] == f"/jobs/{ami_job.pk}/"
    assert b"Review ordered" in ordered.content
    assert b"queued" in ordered.content
    task = ReviewTask.objects.get()
    assert task.segment_ids == [str(r.key) for r in doubtful(ami_job)]


def test_the_quote_page_says_one_credit_and_the_length_as_a_duration(
    settings, client, alice, ami_job
):
    seconds = sum(r.end - r.start for r in doubtful(ami_job))
    # A price per minute at which the doubtful segments cost exactly one credit.
    price = (Decimal(60) / Decimal(str(seconds))).quantize(Decimal("0.0001"), ROUND_DOWN)
    settings.HARK_REVIEW_PRICE_PER_MINUTE = price
    client.force_login(alice.user)

    page = client.get(f"/jobs/{ami_job.pk}/review/").content.decode()

    assert '<strong data-role="review-credits">1 credit</strong>' in page
    assert "Order review for 1 credit</button>" in page
    assert f"<span>{duration_label(seconds)}</span>" in page
    assert f"<span>{format_credits(price.quantize(Decimal('0.01')))} credits per minute" in page
    assert "1 credits" not in page
    assert not re.search(r"\d s<", page)


def test_the_schema_documents_the_review_quote_and_order_and_hides_the_desk(client):
    import json

    schema = json.loads(
        client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content
    )
    review = schema["paths"]["/api/v1/transcribe/{job_id}/review/"]
    assert review["get"]["summary"] == "Quote a review of the doubtful segments"
    assert "credits" in json.dumps(review["get"]["responses"]["200"])
    assert "comment" in json.dumps(review["post"]["requestBody"])
    assert not [path for path in schema["paths"] if path.startswith("/review/")]
