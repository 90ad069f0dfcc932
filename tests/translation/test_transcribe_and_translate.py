"""Transcription and translation in one order (GoTranscript's ``translate_to``): checked
and priced at intake, held as one order, the translation queued when the transcript is
stored and settled on its own."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django_q.models import OrmQ

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import available_credits
from billing.services import credits_grant
from jobs.models import TranscriptionJob
from jobs.translation.models import TranslationJob
from jobs.translation.services.follow_up import ordered_translation_id
from jobs.translation.tasks import translate
from tests.audio_fixtures import whisper_transcribe
from tests.conftest import Persona
from tests.test_api_transcribe import JFK, assert_nothing_created, upload
from tests.transcripts.helpers import completed_job
from tests.upstreams.loopback import Fault
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

# jfk.flac: 11.0 s at 1 credit a minute (Whisper) is 0.19 credits. Its translation is
# estimated at 11/60 x 180 = 33 words, at Apertium's 0.001 credits a word: 0.04 credits.
TRANSCRIPTION = Decimal("0.19")
ESTIMATE = Decimal("0.04")


def quote(persona: Persona, **data: Any) -> Any:
    with JFK.open("rb") as handle:
        return persona.client().post("/api/v1/quote/", {"file": handle, **data}, format="multipart")


def test_the_quote_answers_the_translation_part_and_the_order_total(alice, isolated_media):
    response = quote(alice, language="en", translate_to="es")

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["estimated_credits"] == 0.19
    assert body["translation"] == {
        "to_language": "es",
        "from_language": "en",
        "estimated_words": 33,
        "words_per_minute": 180,
        "translator": "apertium",
        "price_per_word": 0.001,
        "estimated_credits": 0.04,
    }
    assert body["order_total"] == 0.23
    assert body["sufficient_credits"] is True
    assert_nothing_created(isolated_media, alice.organization)


def test_with_the_language_to_be_detected_the_quote_takes_the_dearest_translator_into_it(
    alice, libre, settings
):
    settings.HARK_TRANSLATORS = ["apertium", "libretranslate"]
    body = quote(alice, translate_to="Spanish").json()
    # LibreTranslate (0.002 a word) could be the one that serves whatever is spoken.
    assert body["translation"]["from_language"] is None
    assert body["translation"]["translator"] == "libretranslate"
    assert body["translation"]["estimated_credits"] == 0.07


def test_mode_test_with_translate_to_prices_the_order_and_creates_nothing(alice, isolated_media):
    response = upload(alice, language="en", translate_to="es", mode="test")

    assert response.status_code == 200, response.content
    assert (response.json()["order_total"], response.json()["translation"]["translator"]) == (
        0.23,
        "apertium",
    )
    assert_nothing_created(isolated_media, alice.organization)
    assert not TranslationJob.objects.exists()


def test_an_order_holds_the_transcription_and_its_translation_together(alice):
    response = upload(alice, language="en", translate_to="es")

    assert response.status_code == 200, response.content
    body = response.json()
    job = TranscriptionJob.objects.get(pk=body["id"])
    assert (job.translate_to, job.translation_credits) == ("es", ESTIMATE)
    assert body["estimated_credits"] == 0.19
    assert body["order_total"] == 0.23
    assert body["translation"] == {
        "id": None, "to_language": "es", "status": "waiting", "estimated_credits": 0.04,
    }  # fmt: skip
    hold = Hold.objects.get()
    assert (hold.reference, hold.amount) == (job.billing_reference, TRANSCRIPTION + ESTIMATE)
    assert available_credits(alice.organization) == Decimal("60") - TRANSCRIPTION - ESTIMATE
    detail = alice.client().get(f"/api/v1/transcribe/{job.id}/").json()
    assert detail["translation"]["status"] == "waiting"
    assert not TranslationJob.objects.exists()


def test_completion_queues_the_translation_priced_on_the_real_words_and_it_translates(alice):
    job = completed_job(alice, language="en", translate_to="es", speakers=())

    translation = TranslationJob.objects.get()
    assert translation.pk == ordered_translation_id(job)
    assert (translation.status, translation.from_language, translation.to_language) == (
        "queued",
        "en",
        "es",
    )
    # Whisper hears 22 words: 0.022 credits, rounded up to the cent, below the estimate.
    assert translation.words == 22
    assert translation.estimated_credits == Decimal("0.03")
    # The transcription's task (run here by hand) and the translation's.
    assert OrmQ.objects.count() == 2
    assert Hold.objects.get(reference=job.billing_reference).captured_amount == TRANSCRIPTION
    held = Hold.objects.get(reference=translation.billing_reference)
    assert (held.status, held.amount) == (HoldStatus.ACTIVE, Decimal("0.03"))
    queued = alice.client().get(f"/api/v1/transcribe/{job.id}/").json()["translation"]
    assert (queued["id"], queued["status"]) == (str(translation.pk), "queued")
    assert queued["url"].endswith(f"/api/v1/translate/{translation.pk}/")

    translate(str(translation.pk))

    detail = alice.client().get(f"/api/v1/transcribe/{job.id}/").json()["translation"]
    assert (detail["status"], detail["credits_used"]) == ("completed", 0.03)
    spanish = alice.client().get(f"/api/v1/translate/{translation.pk}/").json()
    assert "país" in spanish["transcript"].lower()
    charges = LedgerEntry.objects.filter(kind=EntryKind.CHARGE).order_by("id")
    assert [(c.reference, c.amount) for c in charges] == [
        (job.billing_reference, -TRANSCRIPTION),
        (translation.billing_reference, Decimal("-0.03")),
    ]
    assert available_credits(alice.organization) == Decimal("60") - TRANSCRIPTION - Decimal("0.03")
    assert not Hold.objects.filter(status=HoldStatus.ACTIVE).exists()


def test_a_failed_translation_releases_its_part_and_the_transcription_stays_paid(
    alice, libre, settings
):
    settings.HARK_TRANSLATORS = ["libretranslate"]
    job = completed_job(alice, language="en", translate_to="es", speakers=())
    translation = TranslationJob.objects.get()
    assert Hold.objects.get(reference=translation.billing_reference).amount == Decimal("0.05")
    # A permanent refusal: a 5xx would be retried later instead.
    libre.fail(Fault.status(400, path="/translate"))

    translate(str(translation.pk))

    translation.refresh_from_db()
    assert translation.status == "failed"
    hold = Hold.objects.get(reference=translation.billing_reference)
    assert hold.status == HoldStatus.RELEASED
    assert not LedgerEntry.objects.filter(reference=translation.billing_reference).exists()
    assert available_credits(alice.organization) == Decimal("60") - TRANSCRIPTION
    detail = alice.client().get(f"/api/v1/transcribe/{job.id}/").json()
    assert detail["status"] == "completed"
    assert detail["translation"]["status"] == "failed"
    assert "libretranslate" in detail["translation"]["error"]


def test_a_detected_language_nothing_translates_records_why_and_charges_nothing(alice):
    result = whisper_transcribe(JFK)
    job = completed_job(
        alice, translate_to="es", speakers=(), result=replace(result, language="ja")
    )

    translation = TranslationJob.objects.get()
    assert translation.status == "failed"
    assert translation.error_message.startswith(
        "Not translated: No translator here can translate Japanese into Spanish."
    )
    assert not Hold.objects.filter(reference=translation.billing_reference).exists()
    assert available_credits(alice.organization) == Decimal("60") - TRANSCRIPTION
    detail = alice.client().get(f"/api/v1/transcribe/{job.id}/").json()["translation"]
    assert detail["status"] == "failed"


def test_a_recording_detected_in_the_target_language_is_not_translated(alice):
    result = replace(whisper_transcribe(JFK), language="fr")
    job = completed_job(alice, translate_to="fr-CA", speakers=(), result=result)
    translation = TranslationJob.objects.get(pk=ordered_translation_id(job))
    assert translation.status == "failed"
    assert translation.error_message == (
        "Not translated: the recording is in French already. You were not charged for "
        "the translation."
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"translate_to": "xx"},
            "translate_to: nothing here translates into 'xx'. Transcripts can be translated "
            "into: Catalan (ca), English (en), French (fr), Italian (it), Portuguese (pt), "
            "Spanish (es).",
        ),
        (
            {"translate_to": "tlh", "language": "en"},
            "translate_to: nothing here translates into Klingon ('tlh'). Transcripts can be "
            "translated into: Catalan (ca), English (en), French (fr), Italian (it), "
            "Portuguese (pt), Spanish (es).",
        ),
        (
            {"translate_to": "es", "language": "de"},
            "No translator here can translate German into Spanish. Nothing here translates "
            "from German.",
        ),
        (
            {"translate_to": "es", "language": "es"},
            "This transcript is already in Spanish; choose another language.",
        ),
    ],
)
def test_a_target_nobody_can_serve_is_a_400_naming_what_is_possible_and_creates_nothing(
    alice, isolated_media, fields, message
):
    response = upload(alice, **fields)
    quoted = quote(alice, **fields)

    assert response.status_code == quoted.status_code == 400
    assert response.json() == {"error": "invalid_request", "message": message}
    assert quoted.json() == response.json()
    assert_nothing_created(isolated_media, alice.organization)


def test_the_url_endpoint_refuses_a_bad_target_before_fetching_anything(alice):
    response = alice.client().post(
        "/api/v1/transcribe/url/",
        {"url": "https://example.com/talk.mp3", "translate_to": "xx"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("translate_to: nothing here translates into")
    assert not TranscriptionJob.objects.exists()


def test_a_wallet_that_covers_the_transcription_but_not_the_order_is_a_402(alice, isolated_media):
    credits_grant(organization=alice.organization, amount=Decimal("-59.80"), reason="almost empty")

    response = upload(alice, language="en", translate_to="es")

    assert response.status_code == 402
    assert response.json() == {
        "error": "insufficient_credits",
        "message": "You have 0.2 credits remaining but this transcription with its "
        "translation requires 0.23 credits.",
    }
    assert not TranscriptionJob.objects.exists()
    assert not Hold.objects.exists()
    assert available_credits(alice.organization) == Decimal("0.20")


def test_canceling_the_transcription_releases_the_whole_order_and_nothing_is_translated(alice):
    job_id = upload(alice, language="en", translate_to="es").json()["id"]

    canceled = alice.client().post(f"/api/v1/transcribe/{job_id}/cancel/")

    assert canceled.status_code == 200
    assert canceled.json()["translation"]["status"] == "canceled"
    assert Hold.objects.get().status == HoldStatus.RELEASED
    assert available_credits(alice.organization) == Decimal("60")
    assert not TranslationJob.objects.exists()


def test_another_organization_sees_neither_the_job_nor_its_translation(alice, bob):
    job = completed_job(alice, language="en", translate_to="es", speakers=())
    translation_id = str(ordered_translation_id(job))

    for path in (f"/api/v1/transcribe/{job.id}/", f"/api/v1/translate/{translation_id}/"):
        assert bob.client().get(path).status_code == 404
    assert bob.client().get("/api/v1/translate/").json()["results"] == []
    assert alice.client().get(f"/api/v1/translate/{translation_id}/").status_code == 200
    assert available_credits(bob.organization) == Decimal("60")


def test_help_and_the_schema_explain_ordering_a_translation_with_a_transcription(alice, client):
    client.force_login(alice.user)
    help_page = client.get("/help/").content.decode()
    assert "Also translate into" in help_page
    assert "at most 180 words per minute of audio" in help_page
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    upload_form = schema["paths"]["/api/v1/transcribe/"]["post"]["requestBody"]["content"]
    examples = upload_form["multipart/form-data"]["examples"]
    assert examples["TranscribeEnglishAndTranslateItIntoSpanish"]["value"]["translate_to"] == "es"
    quote_doc = schema["paths"]["/api/v1/quote/"]["post"]
    answers = quote_doc["responses"]["200"]["content"]["application/json"]["examples"]
    assert answers["WithTranslateTo"]["value"]["translation"]["words_per_minute"] == 180


def test_the_jobs_webhook_names_its_translation_and_then_gets_the_translations_own(alice, settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    hook = "http://127.0.0.1:9/hark-events"
    job = completed_job(alice, language="en", translate_to="es", speakers=(), webhook_url=hook)
    translation_id = str(ordered_translation_id(job))

    translate(translation_id)

    sent = [json.loads(d.payload) for d in Delivery.objects.filter(url=hook).order_by("created_at")]
    assert [(p["job_type"], p["type"]) for p in sent] == [
        ("transcription", "job.completed"),
        ("translation", "job.completed"),
    ]
    assert (sent[0]["translation"]["id"], sent[0]["translation"]["status"]) == (
        translation_id,
        "queued",
    )
    assert sent[1]["translation_id"] == translation_id
    assert "país" in sent[1]["transcript"].lower()
