"""A GoTranscript customer's client against Hark: each order type priced in mode=test
(nothing stored), then placed live, fulfilled by the ordinary job, called back until
its receiver answers ``ok``, its files downloaded in every format, its orders listed
and read."""

from __future__ import annotations

import itertools
import json
import random
import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from billing.models import Hold, HoldStatus, LedgerEntry
from jobs.models import TranscriptionJob
from jobs.services.worker import job_run
from jobs.translation.models import TranslationJob
from orders.models import CallbackAttempt, Order, OrderCallback, OrderStatus
from orders.services.fulfilment import order_finish, order_refund
from review import services as review
from review.models import ReviewTask
from tests.orders.conftest import deliver_callbacks, form_fields, money_state
from tests.review.conftest import make_staff
from tests.transcripts.helpers import TranscriptClient
from tests.webhook_receiver import Reply, receiving
from webhooks.services import organization_secret
from webhooks.signing import standard_signature

pytestmark = pytest.mark.django_db(transaction=True)

FORMATS = ("docx", "doc", "pdf", "text", "html", "json")


def nothing_stored() -> bool:
    return not (
        Order.objects.exists()
        or TranscriptionJob.objects.exists()
        or Hold.objects.exists()
        or OrmQ.objects.exists()
        or OrderCallback.objects.exists()
    )


def test_mode_test_prices_a_transcription_without_storing_or_charging_anything(
    gotranscript, media_host, alice
):
    before = money_state(alice)
    response = gotranscript.order(
        "transcriptions", mode="test", url=media_host.url + "/jfk.flac", language="english",
        turnaround_time="1_days", text_format="full_verbatim",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mode"] == "test"
    assert body["status"] == "success"
    assert "order_id" not in body
    assert body["seconds"] == 11  # jfk.flac is 11.0 s
    # (1.50 + 0.75 turnaround + 0.30 full verbatim) per minute x 11 s, rounded up.
    assert body["order_total"] == pytest.approx(0.47)
    assert body["in_wallet"] == 60.0
    assert len(body["delivery_estimate"]) == 19
    assert nothing_stored()
    assert money_state(alice) == before


def test_from_and_till_order_only_that_stretch_priced_by_its_length(
    gotranscript, media_host, alice
):
    stretch = {"from": "3", "till": "9"}
    quoted = gotranscript.order(
        "transcriptions", mode="test", url=media_host.url + "/jfk.flac", language="english",
        turnaround_time="5_days", **stretch,
    ).json()  # fmt: skip
    placed = gotranscript.order(
        "transcriptions", mode="live", url=media_host.url + "/jfk.flac", language="english",
        turnaround_time="5_days", **stretch,
    ).json()  # fmt: skip

    assert quoted["seconds"] == placed["seconds"] == 6  # of jfk.flac's 11
    assert quoted["order_total"] == placed["order_total"] == pytest.approx(0.15)  # 1.50 x 6 s
    order = Order.objects.get(pk=placed["order_id"])
    assert (order.trim_from, order.trim_till) == (3.0, 9.0)
    job = order.transcription_job
    assert job is not None
    assert (job.trim_start, job.trim_end) == (3.0, 9.0)


def test_a_live_automatic_transcription_is_called_back_until_the_receiver_says_ok(
    gotranscript, media_host, alice
):
    with receiving([Reply(200, b"nope"), Reply(200, b"nope"), Reply(200, b"ok")]) as receiver:
        response = gotranscript.order(
            "automatic_transcriptions", mode="live", url=media_host.url + "/jfk.flac",
            language="english", callback_url=receiver.url("/gt"),
        )  # fmt: skip
        assert response.status_code == 200, response.text
        body = response.json()
        order = Order.objects.get(pk=body["order_id"])
        assert body["order_total"] == float(order.order_total) == pytest.approx(0.04)
        assert body["in_wallet"] == pytest.approx(60 - 0.04)
        assert body["ai_transcripts_minutes_left"] == 299
        hold = Hold.objects.get(reference=order.hold_reference)
        assert hold.status == HoldStatus.ACTIVE
        assert hold.amount == order.order_total
        # The job is an ordinary one that holds nothing of its own.
        job = order.transcription_job
        assert job is not None
        assert job.paid_by == order.hold_reference
        assert not Hold.objects.filter(reference=job.billing_reference).exists()

        job_run(str(job.pk))

        order.refresh_from_db()
        assert order.status == OrderStatus.FINISHED
        charges = LedgerEntry.objects.filter(reference=order.hold_reference)
        assert [c.amount for c in charges] == [-order.order_total]
        assert not LedgerEntry.objects.filter(reference=job.billing_reference).exists()

        clock = timezone.now()
        rng = random.Random(7)
        for _ in range(5):
            deliver_callbacks(clock, rng)
            clock += timedelta(hours=1)
        assert len(receiver.requests) == 3  # nope, nope, ok — then none
    callback = OrderCallback.objects.get(order=order)
    assert callback.status == "succeeded"
    assert list(CallbackAttempt.objects.filter(callback=callback).values_list(
        "succeeded", flat=True)) == [False, False, True]  # fmt: skip
    first = receiver.requests[0]
    assert first.headers["content-type"].startswith("multipart/form-data")
    fields = form_fields(first.body, first.headers["content-type"])
    assert fields["mode"] == "live"
    assert fields["order_id"] == str(order.pk)
    assert fields["status"] == "finished"
    assert fields["language"] == "english"
    assert set(fields) >= {"transcription_url", "captions_url"}
    # Our Standard Webhooks signature, over the exact multipart body.
    secret = organization_secret(alice.organization).secret
    assert first.headers["webhook-signature"] == standard_signature(
        secret, message_id=first.headers["webhook-id"],
        timestamp=int(first.headers["webhook-timestamp"]), body=first.body,
    )  # fmt: skip
    # Every attempt waited a random interval within the configured range.
    times = list(CallbackAttempt.objects.filter(callback=callback).values_list("at", flat=True))
    assert all(b > a for a, b in itertools.pairwise(times))

    for fmt in FORMATS:
        download = gotranscript.get(fields["transcription_url"], format=fmt)
        assert download.status_code == 200, (fmt, download.text[:300])
        assert len(download.content) > 50
    text = gotranscript.get(fields["transcription_url"], format="text").text
    assert "country" in text.lower()
    words = json.loads(gotranscript.get(fields["transcription_url"], format="json").text)
    assert words
    assert "-->" in gotranscript.get(fields["captions_url"]).text  # SRT by default
    doc = gotranscript.get(fields["transcription_url"], format="doc")
    assert doc.headers["content-type"] == "application/msword"
    assert doc.content[:2] == b"PK"  # the Word document, named .doc

    listed = gotranscript.get("/api/v4/orders").json()
    assert [o["id"] for o in listed["orders"]] == [order.pk]
    assert listed["next_page_url"] is None
    read = gotranscript.get(f"/api/v4/orders/{order.pk}").json()["data"]
    assert read["type"] == "automatic_transcriptions"
    assert read["status"] == "finished"
    assert read["price"] == float(order.order_total)
    assert read["seconds"] == 11
    assert read["finished_at"]
    assert read["paid_at"]


def _reviewed_order(gotranscript, media_host, receiver) -> Order:
    """A live human-quality transcription whose AI draft is done and on the review desk."""
    response = gotranscript.order(
        "transcriptions", mode="live", url=media_host.url + "/jfk.flac", language="english",
        number_of_speakers="1_or_2", comment="Speaker: JFK", turnaround_time="12_hours",
        callback_url=receiver.url(),
    )  # fmt: skip
    assert response.status_code == 200, response.text
    order = Order.objects.get(pk=response.json()["order_id"])
    job = order.transcription_job
    assert job is not None
    assert job.diarization
    assert job.max_speakers == 2
    job_run(str(job.pk))
    order.refresh_from_db()
    return order


def test_a_transcription_goes_to_the_review_desk_and_is_charged_once_when_delivered(
    gotranscript, media_host, alice
):
    reviewer = make_staff("rita@hark.example", reviewer=True)
    with receiving([Reply(200, b"ok")]) as receiver:
        order = _reviewed_order(gotranscript, media_host, receiver)
        assert order.status == OrderStatus.IN_REVIEW
        assert Hold.objects.get(reference=order.hold_reference).status == HoldStatus.ACTIVE
        task = ReviewTask.objects.get(job=order.transcription_job)
        assert (task.source, task.comment, task.due_at) == (
            "order",
            "Speaker: JFK",
            order.delivery_estimate,
        )
        refused = gotranscript.get(f"/api/v4/orders/{order.pk}/transcription")
        assert refused.status_code == 400
        assert "in review" in refused.json()["error"]

        review.deliver(review.claim(task, reviewer), reviewer)
        deliver_callbacks(timezone.now(), random.Random(1))
    order.refresh_from_db()
    assert order.status == OrderStatus.FINISHED
    assert order_finish(order) is False  # delivered once, charged once
    assert [e.amount for e in LedgerEntry.objects.filter(reference=order.hold_reference)] == [
        -order.order_total
    ]
    fields = form_fields(receiver.requests[0].body, receiver.requests[0].headers["content-type"])
    assert fields["status"] == "finished"
    timed = gotranscript.get(f"/api/v4/orders/{order.pk}/transcription", format="text")
    assert timed.status_code == 200
    assert "country" in timed.text


def test_a_review_refunded_at_the_desk_refunds_the_order_with_the_reviewers_reason(
    gotranscript, media_host, alice
):
    reviewer = make_staff("rita@hark.example", reviewer=True)
    with receiving([Reply(200, b"ok")]) as receiver:
        order = _reviewed_order(gotranscript, media_host, receiver)
        balance_before = money_state(alice)[0]
        task = ReviewTask.objects.get(job=order.transcription_job)
        review.refund(review.claim(task, reviewer), reviewer, "The recording is silent.")
        deliver_callbacks(timezone.now(), random.Random(1))
    order.refresh_from_db()
    assert (order.status, order.refund_reason) == (OrderStatus.REFUNDED, "The recording is silent.")
    assert Hold.objects.get(reference=order.hold_reference).status == HoldStatus.RELEASED
    assert money_state(alice)[0] == balance_before
    assert not LedgerEntry.objects.filter(reference=order.hold_reference, amount__lt=0).exists()
    fields = form_fields(receiver.requests[0].body, receiver.requests[0].headers["content-type"])
    assert fields["status"] == "refunded"


def test_a_refunded_order_releases_its_hold_and_calls_back_refunded(
    gotranscript, media_host, alice
):
    with receiving([Reply(200, b"ok")]) as receiver:
        response = gotranscript.order(
            "captions", mode="live", url=media_host.url + "/jfk.flac", language="english",
            callback_url=receiver.url(),
        )  # fmt: skip
        order = Order.objects.get(pk=response.json()["order_id"])
        balance_before = money_state(alice)[0]
        assert order_refund(order, "too noisy") is True
        deliver_callbacks(timezone.now(), random.Random(1))
    assert Hold.objects.get(reference=order.hold_reference).status == HoldStatus.RELEASED
    assert money_state(alice)[0] == balance_before
    fields = form_fields(receiver.requests[0].body, receiver.requests[0].headers["content-type"])
    assert fields["status"] == "refunded"
    assert fields["captions_url"] == ""
    assert fields["transcription_url"] == ""


def test_subtitles_finish_when_their_translation_does(gotranscript, media_host, alice):
    response = gotranscript.order(
        "subtitles", mode="live", url=media_host.url + "/jfk.flac",
        translate_from="english", translate_to="spanish",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    order = Order.objects.get(pk=response.json()["order_id"])
    job_run(str(order.transcription_job_id))
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    translation = TranslationJob.objects.get(source_job=order.transcription_job)
    from jobs.translation.services.worker import translation_run

    translation_run(str(translation.pk))
    order.refresh_from_db()
    assert order.status == OrderStatus.FINISHED, translation.error_message
    assert order.translation_job_id == translation.pk
    srt = gotranscript.get(f"/api/v4/orders/{order.pk}/subtitles")
    assert srt.status_code == 200
    assert "-->" in srt.text
    # Only the order's price was charged: the job and its translation hold nothing.
    charged = LedgerEntry.objects.filter(wallet__organization=alice.organization, amount__lt=0)
    assert sum(e.amount for e in charged) == -order.order_total


@pytest.mark.parametrize("fmt", [*FORMATS, "srt", "vtt"])
def test_the_test_files_download_in_every_format(gotranscript, fmt):
    response = gotranscript.get("/api/v4/test-file/transcriptions", format=fmt)
    assert response.status_code == 200, response.text
    assert len(response.content) > 50
    if fmt == "text":
        assert "check the status of my order" in response.text


def test_a_delivered_order_corrected_later_is_called_back_again_once_per_burst_of_edits(
    gotranscript, media_host, alice
):
    with receiving([Reply(200, b"ok")] * 3) as receiver:
        response = gotranscript.order(
            "automatic_transcriptions", mode="live", url=media_host.url + "/jfk.flac",
            language="english", callback_url=receiver.url("/gt"),
        )  # fmt: skip
        order = Order.objects.get(pk=response.json()["order_id"])
        job_run(str(order.transcription_job_id))
        clock, rng = timezone.now(), random.Random(5)
        deliver_callbacks(clock, rng)
        assert len(receiver.requests) == 1

        # The customer fixes a line twice in a row: one callback, with the same fields.
        job = order.transcription_job
        assert job is not None
        editor = TranscriptClient(alice, job)
        transcript = editor.get()
        segment = transcript["segments"][0]["id"]
        first = editor.edit_text(segment, "And so, my fellow Americans:", transcript["version"])
        editor.edit_text(segment, "And so, my fellow Americans —", first["version"])
        assert OrderCallback.objects.filter(order=order).count() == 2
        deliver_callbacks(clock + timedelta(seconds=1), rng)
        # Once that one is through, a later fix calls back again.
        editor.edit_text(segment, "And so, my fellow Americans,", first["version"] + 1)
        deliver_callbacks(clock + timedelta(seconds=2), rng)

    assert len(receiver.requests) == 3
    bodies = [form_fields(r.body, r.headers["content-type"]) for r in receiver.requests]
    # The same fields, but for the file URLs' api_token: each callback's is made when it is.
    untokened = [{k: re.sub(r"api_token=[^&]+", "", v) for k, v in b.items()} for b in bodies]
    assert untokened[1] == untokened[0] == untokened[2]
    assert all("api_token=" in b["transcription_url"] for b in bodies)
    assert bodies[0]["status"] == "finished"
    assert [e.amount for e in LedgerEntry.objects.filter(reference=order.hold_reference)] == [
        -order.order_total  # re-checks charge nothing more
    ]
    text = gotranscript.get(f"/api/v4/orders/{order.pk}/transcription", format="text").text
    assert "And so, my fellow Americans," in text


def test_edits_during_review_send_no_callback_before_delivery(gotranscript, media_host, alice):
    response = gotranscript.order(
        "transcriptions", mode="live", url=media_host.url + "/jfk.flac", language="english",
        turnaround_time="3_days", callback_url="https://93.184.216.34/gt",
    )  # fmt: skip
    order = Order.objects.get(pk=response.json()["order_id"])
    job_run(str(order.transcription_job_id))
    assert order.transcription_job is not None
    editor = TranscriptClient(alice, order.transcription_job)
    transcript = editor.get()
    editor.edit_text(transcript["segments"][0]["id"], "And so:", transcript["version"])

    assert Order.objects.get(pk=order.pk).status == OrderStatus.IN_REVIEW
    assert not OrderCallback.objects.filter(order=order).exists()
