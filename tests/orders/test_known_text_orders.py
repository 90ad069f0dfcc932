"""GoTranscript's orders that bring their own transcript: ``forced_alignment`` (the text
timed word by word against the audio) and ``transcription_proofreading`` (the customer's
AI transcript, aligned, proofread at the review desk). Both fetch their two URLs from a
loopback media host, are fulfilled by an ordinary job and paid by one hold."""

from __future__ import annotations

import json
import random
import re
import statistics

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from billing.models import Hold, HoldStatus, LedgerEntry
from jobs.alignment.known_text import NOTHING_TO_ALIGN
from jobs.models import JobTask, TranscriptionJob
from jobs.services.worker import job_run
from jobs.transcripts.selectors import transcript_original
from orders.models import Order, OrderCallback, OrderStatus
from orders.services import intake
from orders.services.callbacks import callback_attempt
from review import services as review
from review.models import ReviewTask
from tests.audio_fixtures import SHARED_AUDIO
from tests.orders.conftest import money_state
from tests.review.conftest import make_staff
from tests.upstreams.loopback import Reply as MediaReply
from tests.webhook_receiver import Reply, receiving

pytestmark = pytest.mark.django_db(transaction=True)

CLIP = SHARED_AUDIO / "librivox_ss01_0870.wav"
SRT = """1
00:00:00,000 --> 00:00:03,000
{first}

2
00:00:03,000 --> 00:00:09,000
{rest}
"""


VTT = """WEBVTT

00:00.000 --> 00:03.000
<v Ruth>{first}</v>

00:03.000 --> 00:09.000
<v Narrator>{rest}</v>
"""


@pytest.fixture
def clip_host(media_host):
    """The media host also serving a LibriVox clip, its text, and transcripts of it."""
    text = CLIP.with_suffix(".txt").read_text()
    words = text.split()
    media_host.serve("/clip.wav", MediaReply(200, CLIP.read_bytes(), {"Content-Type": "audio/wav"}))
    for path, body, kind in (
        ("/clip.txt", text, "text/plain"),
        ("/clip.srt", SRT.format(first=" ".join(words[:4]), rest=" ".join(words[4:])),
         "application/x-subrip"),
        ("/punctuation.txt", "... — !\n", "text/plain"),
        # Another recording's transcript: it aligns, but is not what is said here.
        ("/other.txt", (SHARED_AUDIO / "jfk.txt").read_text(), "text/plain"),
        ("/clip.vtt", VTT.format(first=" ".join(words[:4]), rest=" ".join(words[4:])),
         "text/vtt"),
    ):  # fmt: skip
        media_host.serve(path, MediaReply(200, body.encode(), {"Content-Type": kind}))
    return media_host


def reference_words(audio) -> list[tuple[str, float, float]]:
    """The clip's reference alignment without silences, as (word, begin, end)."""
    data = json.loads(audio.with_suffix(".align.json").read_text())
    return [
        (re.sub(r"\(\d+\)$", "", w["t"]), w["b"], w["b"] + w["d"])
        for w in data["w"]
        if not w["t"].startswith(("<", "["))
    ]


def nothing_stored() -> bool:
    return not (
        Order.objects.exists()
        or TranscriptionJob.objects.exists()
        or Hold.objects.exists()
        or OrmQ.objects.exists()
        or OrderCallback.objects.exists()
    )


def callback_fields(order: Order) -> dict[str, str]:
    fields: dict[str, str] = OrderCallback.objects.get(order=order).fields
    return fields


def deliver_callbacks() -> None:
    for callback in OrderCallback.objects.filter(status="pending"):
        callback_attempt(callback.pk, now=timezone.now(), rng=random.Random(1))


def test_mode_test_prices_a_forced_alignment_by_the_minute_and_stores_nothing(
    gotranscript, clip_host, alice
):
    before = money_state(alice)
    response = gotranscript.order(
        "forced_alignment", mode="test", audio_url=clip_host.url + "/clip.wav",
        transcription_url=clip_host.url + "/clip.txt", language="english",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["mode"], body["status"]) == ("test", "success")
    assert "order_id" not in body
    assert body["seconds"] == 8  # 7.1 s, rounded up as GoTranscript reports it
    assert body["order_total"] == pytest.approx(0.01)  # 0.05 per minute, rounded up
    assert body["in_wallet"] == 60.0
    assert len(body["delivery_estimate"]) == 19
    assert nothing_stored()
    assert money_state(alice) == before


def test_a_live_forced_alignment_delivers_words_within_a_tenth_of_a_second_of_the_reference(
    gotranscript, clip_host, alice
):
    with receiving([Reply(200, b"ok")]) as receiver:
        response = gotranscript.order(
            "forced_alignment", mode="live", audio_url=clip_host.url + "/clip.wav",
            transcription_url=clip_host.url + "/clip.txt", language="english",
            callback_url=receiver.url("/gt"),
        )  # fmt: skip
        assert response.status_code == 200, response.text
        order = Order.objects.get(pk=response.json()["order_id"])
        assert Hold.objects.get(reference=order.hold_reference).status == HoldStatus.ACTIVE
        job = order.transcription_job
        assert job is not None
        assert (job.task, job.paid_by) == (JobTask.ALIGN, order.hold_reference)

        job_run(str(job.pk))
        deliver_callbacks()

    order.refresh_from_db()
    assert order.status == OrderStatus.FINISHED
    assert [e.amount for e in LedgerEntry.objects.filter(reference=order.hold_reference)] == [
        -order.order_total
    ]
    fields = callback_fields(order)
    assert set(fields) == {
        "mode", "order_id", "status", "language", "forced_alignment_transcription_url",
    }  # fmt: skip
    assert (fields["status"], fields["language"]) == ("finished", "english")
    assert len(receiver.requests) == 1

    download = gotranscript.get(fields["forced_alignment_transcription_url"])
    assert download.status_code == 200, download.text
    aligned = download.json()
    reference = reference_words(CLIP)
    assert [w["word"].lower().strip(".,;:!?") for w in aligned] == [w for w, _, _ in reference]
    errors = [
        (abs(got["begin"] - begin) + abs(got["end"] - end)) / 2
        for got, (_, begin, end) in zip(aligned, reference, strict=True)
    ]
    mean = statistics.mean(errors)
    print(f"forced_alignment order: mean word error {mean * 1000:.1f} ms")
    assert mean < 0.1
    assert set(aligned[0]) == {"word", "begin", "end"}


def test_forced_alignment_refuses_a_language_it_does_not_offer_naming_those_it_does(
    gotranscript, clip_host, alice
):
    before = money_state(alice)
    response = gotranscript.order(
        "forced_alignment", mode="live", audio_url=clip_host.url + "/clip.wav",
        transcription_url=clip_host.url + "/clip.txt", language="german",
    )  # fmt: skip
    assert response.status_code == 400
    body = response.json()
    assert (body["mode"], body["status"]) == ("live", "error")
    assert "english, french, spanish" in body["error"]
    assert nothing_stored()
    assert money_state(alice) == before


def test_forced_alignment_refuses_audio_longer_than_its_limit(
    gotranscript, clip_host, alice, monkeypatch
):
    # The limit is an hour; the clip is 7 s, so the limit is brought down to it.
    monkeypatch.setattr(intake, "FORCED_ALIGNMENT_MAX_SECONDS", 5)
    response = gotranscript.order(
        "forced_alignment", mode="live", audio_url=clip_host.url + "/clip.wav",
        transcription_url=clip_host.url + "/clip.txt", language="english",
    )  # fmt: skip
    assert response.status_code == 400
    assert "up to 1 hour" in response.json()["error"]
    assert nothing_stored()


@pytest.mark.parametrize(
    "fields",
    [
        {"language": "english"},  # no transcription_url
        {"language": "english", "transcription_url": "not a url"},
        {"language": "english", "transcription_url": "{host}/missing.txt"},
        {"language": "english", "transcription_url": "{host}/clip.txt", "mode": "sometimes"},
    ],
    ids=["missing", "malformed", "unreachable", "bad-mode"],
)
def test_malformed_known_text_orders_are_400s_that_charge_nothing(
    gotranscript, clip_host, alice, fields
):
    before = money_state(alice)
    data = {key: value.replace("{host}", clip_host.url) for key, value in fields.items()}
    for kind in ("forced_alignment", "transcription_proofreading"):
        response = gotranscript.order(kind, audio_url=clip_host.url + "/clip.wav", **data)
        assert response.status_code == 400, response.text
        assert response.json()["status"] == "error"
    assert nothing_stored()
    assert money_state(alice) == before


def test_a_bad_token_is_refused_with_gotranscripts_error_body(gotranscript, clip_host):
    gotranscript.token = "hk_not_a_real_key"
    response = gotranscript.order(
        "transcription_proofreading", mode="live", audio_url=clip_host.url + "/clip.wav",
        transcription_url=clip_host.url + "/clip.txt", language="english",
    )  # fmt: skip
    assert response.status_code == 400
    assert response.json()["status"] == "error"
    assert "api_token" in response.json()["error"]
    assert nothing_stored()


def refunded_order(gotranscript, clip_host, persona, order_type: str, transcript: str) -> Order:
    """Place a live ``order_type`` of the clip with the host's ``transcript``, run its job,
    and check it was refunded whole: hold released, wallet as before, callback
    ``refunded`` with empty file URLs, the reason readable on the order."""
    balance = money_state(persona)[0]
    with receiving([Reply(200, b"ok")]) as receiver:
        response = gotranscript.order(
            order_type, mode="live", audio_url=clip_host.url + "/clip.wav",
            transcription_url=clip_host.url + transcript, language="english",
            callback_url=receiver.url("/gt"),
        )  # fmt: skip
        assert response.status_code == 200, response.text
        order = Order.objects.get(pk=response.json()["order_id"])
        job_run(str(order.transcription_job_id))
        deliver_callbacks()
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert Hold.objects.get(reference=order.hold_reference).status == HoldStatus.RELEASED
    assert money_state(persona)[0] == balance
    fields = callback_fields(order)
    assert fields["status"] == "refunded"
    assert all(value == "" for name, value in fields.items() if name.endswith("_url"))
    read = gotranscript.get(f"/api/v4/orders/{order.pk}").json()["data"]
    assert read["refund_reason"] == order.refund_reason
    return order


def test_a_transcript_with_no_words_is_refunded_with_a_sentence_saying_why(
    gotranscript, clip_host, alice
):
    order = refunded_order(gotranscript, clip_host, alice, "forced_alignment", "/punctuation.txt")
    assert order.refund_reason.startswith(NOTHING_TO_ALIGN)


def test_another_organizations_order_is_a_404_like_a_missing_one(
    gotranscript, clip_host, alice, bob
):
    response = gotranscript.order(
        "forced_alignment", mode="live", audio_url=clip_host.url + "/clip.wav",
        transcription_url=clip_host.url + "/clip.txt", language="english",
    )  # fmt: skip
    order_id = response.json()["order_id"]
    gotranscript.token = bob.raw_key
    for path in (f"/api/v4/orders/{order_id}", f"/api/v4/orders/{order_id}/alignment"):
        theirs = gotranscript.get(path)
        missing = gotranscript.get(path.replace(str(order_id), str(order_id + 1000)))
        assert theirs.status_code == missing.status_code == 404
        assert theirs.json() == missing.json()
        assert theirs.json()["status"] == "error"


def test_mode_test_prices_a_proofreading_and_stores_nothing(gotranscript, clip_host, alice):
    response = gotranscript.order(
        "transcription_proofreading", mode="test", audio_url=clip_host.url + "/clip.wav",
        transcription_url=clip_host.url + "/clip.srt", language="english", captions="true",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["seconds"] == 8
    assert body["order_total"] == pytest.approx(0.11)  # 0.90 per minute x 7.1 s, rounded up
    assert "order_id" not in body
    assert nothing_stored()


def test_a_proofreading_order_aligns_the_customers_captions_and_goes_to_the_review_desk(
    gotranscript, clip_host, alice
):
    reviewer = make_staff("rita@hark.example", reviewer=True)
    with receiving([Reply(200, b"ok")]) as receiver:
        response = gotranscript.order(
            "transcription_proofreading", mode="live", audio_url=clip_host.url + "/clip.wav",
            transcription_url=clip_host.url + "/clip.srt", language="english",
            captions="true", comment="Narrator: Ruth", turnaround_time="1_days",
            callback_url=receiver.url("/gt"),
        )  # fmt: skip
        assert response.status_code == 200, response.text
        order = Order.objects.get(pk=response.json()["order_id"])
        assert order.captions is True
        job = order.transcription_job
        assert job is not None
        job_run(str(job.pk))

        order.refresh_from_db()
        assert order.status == OrderStatus.IN_REVIEW
        # The transcript is the customer's, cue by cue, with timings found in the audio.
        transcript = transcript_original(job)
        assert transcript is not None
        segments = list(transcript.segments.order_by("position"))
        words = CLIP.with_suffix(".txt").read_text().split()
        assert [s.text for s in segments] == [" ".join(words[:4]), " ".join(words[4:])]
        assert all(w["aligned"] for s in segments for w in s.words)
        assert segments[0].end <= segments[1].start
        task = ReviewTask.objects.get(job=job)
        assert (task.source, task.comment) == ("order", "Narrator: Ruth")

        review.deliver(review.claim(task, reviewer), reviewer)
        deliver_callbacks()

    order.refresh_from_db()
    assert order.status == OrderStatus.FINISHED
    assert [e.amount for e in LedgerEntry.objects.filter(reference=order.hold_reference)] == [
        -order.order_total
    ]
    fields = callback_fields(order)
    assert set(fields) == {
        "mode", "order_id", "status", "language", "proofread_transcription_url",
        "proofread_captions_url",
    }  # fmt: skip
    captions = gotranscript.get(fields["proofread_captions_url"])
    assert captions.status_code == 200
    assert "-->" in captions.text
    text = gotranscript.get(fields["proofread_transcription_url"], format="text")
    assert words[0].lower() in text.text.lower()
    assert len(receiver.requests) == 1


def test_a_transcript_too_poor_to_proofread_is_refunded_before_any_reviewer_sees_it(
    gotranscript, clip_host, alice
):
    order = refunded_order(
        gotranscript, clip_host, alice, "transcription_proofreading", "/other.txt"
    )
    assert order.refund_reason.startswith("The transcript differs from what is said")
    assert "too poor to proofread" in order.refund_reason
    assert not ReviewTask.objects.exists()


def test_a_forced_alignment_is_not_held_to_the_proofreading_check(gotranscript, clip_host):
    # Forced alignment times the text it is given, whatever it says: no refund here.
    response = gotranscript.order(
        "forced_alignment", mode="live", audio_url=clip_host.url + "/clip.wav",
        transcription_url=clip_host.url + "/other.txt", language="english",
    )  # fmt: skip
    order = Order.objects.get(pk=response.json()["order_id"])
    job_run(str(order.transcription_job_id))
    order.refresh_from_db()
    assert order.status == OrderStatus.FINISHED


def test_a_proofreading_order_keeps_who_says_each_line_of_the_customers_transcript(
    gotranscript, clip_host
):
    response = gotranscript.order(
        "transcription_proofreading", mode="live", audio_url=clip_host.url + "/clip.wav",
        transcription_url=clip_host.url + "/clip.vtt", language="english",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    job = Order.objects.get(pk=response.json()["order_id"]).transcription_job
    assert job is not None
    job_run(str(job.pk))
    transcript = transcript_original(job)
    assert transcript is not None
    segments = list(transcript.segments.order_by("position"))
    words = CLIP.with_suffix(".txt").read_text().split()
    assert [(s.speaker.name if s.speaker else None, s.text) for s in segments] == [
        ("Ruth", " ".join(words[:4])), ("Narrator", " ".join(words[4:])),
    ]  # fmt: skip
    assert all(w["aligned"] for s in segments for w in s.words)
