"""automatic_transcriptions in the language the customer wants to read: the speech's
own language is detected, and a different one means the transcript is translated
(GoTranscript: "a different language than the audio's means translated")."""

from __future__ import annotations

import pytest

from billing.models import Hold, HoldStatus, LedgerEntry
from jobs.models import JobStatus
from jobs.services.worker import job_run
from jobs.transcripts.selectors import transcript_read
from jobs.translation.models import TranslationJob
from jobs.translation.services.worker import translation_run
from orders.models import Order, OrderStatus
from tests.orders.conftest import money_state

pytestmark = pytest.mark.django_db(transaction=True)


def _order(gotranscript, media_host, language: str) -> Order:
    response = gotranscript.order(
        "automatic_transcriptions", mode="live", url=media_host.url + "/jfk.flac",
        language=language,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    order = Order.objects.get(pk=response.json()["order_id"])
    assert order.transcription_job is not None
    job_run(str(order.transcription_job.pk))
    order.refresh_from_db()
    return order


def test_english_speech_ordered_in_spanish_is_delivered_translated(gotranscript, media_host, alice):
    order = _order(gotranscript, media_host, "spanish")
    # The speech was transcribed as what it is, English, and the order waits for Spanish.
    assert order.transcription_job is not None
    spoken = transcript_read(order.transcription_job)
    assert spoken is not None
    assert spoken.language == "en"
    assert order.status == OrderStatus.PROCESSING
    translation = TranslationJob.objects.get(source_job=order.transcription_job)
    assert (translation.from_language, translation.to_language) == ("en", "es")

    translation_run(str(translation.pk))
    order.refresh_from_db()
    assert order.status == OrderStatus.FINISHED
    text = gotranscript.get(f"/api/v4/orders/{order.pk}/transcription", format="text").text
    assert "país" in text.lower()
    assert "country" not in text.lower()
    captions = gotranscript.get(f"/api/v4/orders/{order.pk}/captions").text
    assert "-->" in captions
    assert "país" in captions.lower()
    # One charge, the order's: neither the job nor its translation held anything.
    charged = LedgerEntry.objects.filter(wallet__organization=alice.organization, amount__lt=0)
    assert sum(e.amount for e in charged) == -order.order_total


def test_speech_in_the_ordered_language_is_delivered_as_transcribed(gotranscript, media_host):
    order = _order(gotranscript, media_host, "english")
    assert order.status == OrderStatus.FINISHED
    assert not TranslationJob.objects.exists()
    text = gotranscript.get(f"/api/v4/orders/{order.pk}/transcription", format="text").text
    assert "country" in text.lower()


def test_a_language_nothing_here_translates_into_refunds_the_order_saying_why(
    gotranscript, media_host, alice
):
    before = money_state(alice)[0]
    order = _order(gotranscript, media_host, "german")
    assert order.status == OrderStatus.REFUNDED
    assert "German" in order.refund_reason
    assert "returned to your wallet" in order.refund_reason
    assert Hold.objects.get(reference=order.hold_reference).status == HoldStatus.RELEASED
    assert money_state(alice)[0] == before
    refused = TranslationJob.objects.get(source_job=order.transcription_job)
    assert refused.status == JobStatus.FAILED
    read = gotranscript.get(f"/api/v4/orders/{order.pk}").json()["data"]
    assert read["status"] == "refunded"
    assert read["refund_reason"] == order.refund_reason
