"""Gumzo's /translate/ on real transcripts with the offline translators: Apertium for
text, Whisper for speech into English."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from accounts.services import api_key_create, membership_add
from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import available_credits
from billing.services import credits_grant
from jobs.translation.models import TranslationJob
from tests.audio_fixtures import SHARED_AUDIO, whisper_transcribe
from tests.conftest import Persona
from tests.transcripts.helpers import TranscriptClient, completed_job
from tests.translation.helpers import order, translated


@pytest.fixture
def jfk(alice):
    return completed_job(alice)


def test_jfk_into_spanish_offline_keeps_every_segments_times_and_speaker(alice, jfk):
    source = TranscriptClient(alice, jfk).get()

    body = translated(alice, jfk.id, "es")

    assert body["status"] == "completed"
    assert (body["from_language"], body["to_language"], body["provider"]) == (
        "en",
        "es",
        "apertium",
    )
    assert "país" in body["transcript"].lower()
    assert [(s["start"], s["end"]) for s in body["segments"]] == [
        (s["start"], s["end"]) for s in source["segments"]
    ]
    names = {s["id"]: s["name"] for s in source["speakers"]}
    assert [s["speaker"] for s in body["segments"]] == [
        names[s["speaker"]] for s in source["segments"]
    ]


def test_english_into_french_goes_through_spanish_and_says_pays(alice, jfk):
    body = translated(alice, jfk.id, "fr")
    assert body["status"] == "completed"
    assert "pays" in body["transcript"].lower()


def test_the_german_half_of_a_recording_comes_out_in_english_from_whisper(alice):
    audio = SHARED_AUDIO / "multilingual.mp3"
    result = whisper_transcribe(audio)
    german = [s for s in result.segments if s.language == "de"]
    assert german, "Whisper found no German in multilingual.mp3"
    start = german[0].start
    job = completed_job(
        alice, audio, speakers=(), result=replace(result, segments=german, language="de")
    )
    job.trim_start = start
    job.save(update_fields=["trim_start"])

    body = translated(alice, job.id, "en")

    assert body["status"] == "completed", body
    assert body["provider"] == "whisper"
    words = body["transcript"].lower().split()
    english = {"the", "and", "of", "to", "software", "is", "or"}
    german_words = {"und", "der", "die", "das", "ist", "nicht"}
    assert len(english & set(words)) >= 3
    assert not german_words & set(words)
    assert all(s["start"] >= start - 0.5 for s in body["segments"])


def test_an_order_holds_the_quote_and_completion_charges_it_once(alice, jfk):
    before = available_credits(alice.organization)
    response = order(alice, jfk.id, "es")
    translation = TranslationJob.objects.get(pk=response.json()["translation_id"])
    hold = Hold.objects.get(reference=translation.billing_reference)
    assert hold.amount == translation.estimated_credits > 0
    assert available_credits(alice.organization) == before - hold.amount

    from jobs.translation.tasks import translate

    translate(str(translation.id))
    translate(str(translation.id))  # a second delivery of the task changes nothing

    charges = LedgerEntry.objects.filter(
        kind=EntryKind.CHARGE, reference=translation.billing_reference
    )
    assert [c.amount for c in charges] == [-translation.estimated_credits]
    hold.refresh_from_db()
    assert hold.status == HoldStatus.CAPTURED
    assert available_credits(alice.organization) == before - translation.estimated_credits


def test_a_wallet_that_cannot_pay_gets_a_402_with_the_sentence_and_nothing_is_created(alice, jfk):
    credits_grant(organization=alice.organization, amount=-available_credits(alice.organization),
                  reason="empty the wallet")  # fmt: skip
    response = order(alice, jfk.id, "es")
    assert response.status_code == 402
    body = response.json()
    assert body["error"] == "insufficient_credits"
    assert body["message"].startswith("You have 0 credits remaining but this translation requires")
    assert not TranslationJob.objects.exists()


@pytest.mark.parametrize(
    ("to_language", "status", "words"),
    [
        ("tlh", 400, "Klingon"),
        ("en", 400, "already in English"),
        ("french!", 400, "language code"),
    ],
)
def test_a_pair_nobody_can_translate_is_a_400_naming_what_is_possible(
    alice, jfk, to_language, status, words
):
    response = order(alice, jfk.id, to_language)
    assert response.status_code == status
    assert words in response.json()["message"]
    assert not TranslationJob.objects.exists()
    assert not Hold.objects.filter(reference__startswith="translation:").exists()


def test_an_unsupported_pair_lists_the_languages_it_can_go_into(alice, jfk):
    response = order(alice, jfk.id, "tlh")
    message = response.json()["message"]
    assert "Spanish (es)" in message


def test_a_job_that_has_not_completed_is_an_invalid_request_as_gumzo_documents(alice):
    # Gumzo's job_id is "ID of completed transcription job", and its error codes have no 409.
    from tests.test_api_transcribe import upload

    job_id = upload(alice).json()["id"]
    response = order(alice, job_id, "es")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "once it completes" in response.json()["message"]
    assert not TranslationJob.objects.exists()
    assert not Hold.objects.filter(reference__startswith="translation:").exists()


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", "{id}/"), ("delete", "{id}/"), ("post", "{id}/cancel/"), ("get", "{id}/?format=srt")],
)
def test_another_organizations_translation_is_a_404_like_a_missing_one(
    alice, bob, jfk, method, path
):
    translation_id = order(alice, jfk.id, "es").json()["translation_id"]
    foreign = getattr(bob.client(), method)("/api/v1/translate/" + path.format(id=translation_id))
    missing = getattr(bob.client(), method)(
        "/api/v1/translate/" + path.format(id="00000000-0000-0000-0000-000000000000")
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert TranslationJob.objects.filter(pk=translation_id).exists()


def test_translating_another_organizations_job_is_a_404_and_charges_nothing(bob, jfk):
    before = available_credits(bob.organization)
    response = order(bob, jfk.id, "es")
    assert response.status_code == 404
    assert available_credits(bob.organization) == before


def test_canceling_releases_the_hold_and_the_task_then_does_nothing(alice, jfk):
    translation_id = order(alice, jfk.id, "es").json()["translation_id"]
    canceled = alice.client().post(f"/api/v1/translate/{translation_id}/cancel/")
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "canceled"
    from jobs.translation.tasks import translate

    translate(translation_id)
    translation = TranslationJob.objects.get(pk=translation_id)
    assert translation.status == "canceled"
    assert Hold.objects.get(reference=translation.billing_reference).status == HoldStatus.RELEASED
    charges = LedgerEntry.objects.filter(
        kind=EntryKind.CHARGE, reference=translation.billing_reference
    )
    assert not charges.exists()


def test_a_translation_exports_as_captions_that_keep_the_line_rules(alice, jfk):
    body = translated(alice, jfk.id, "es")
    srt = alice.client().get(f"/api/v1/translate/{body['translation_id']}/?format=srt")
    assert srt.status_code == 200
    text = srt.content.decode()
    assert "país" in text.lower()
    lines = [
        line for line in text.splitlines() if line and "-->" not in line and not line.isdigit()
    ]
    assert lines
    assert max(len(line) for line in lines) <= 42


def test_translations_are_listed_newest_first(alice, jfk):
    first = order(alice, jfk.id, "es").json()["translation_id"]
    second = order(alice, jfk.id, "ca").json()["translation_id"]
    listed = alice.client().get("/api/v1/translate/").json()["results"]
    assert [t["translation_id"] for t in listed] == [second, first]
    assert Decimal(str(listed[0]["estimated_credits"])) > 0


def test_a_member_deletes_only_the_translations_they_ordered(alice, jfk):
    membership = membership_add(
        organization=alice.organization, actor=alice.user, email="dan@example.org", role="member"
    )
    # Members cannot make keys; one the operator made (no creator) acts as a member.
    key, raw = api_key_create(organization=alice.organization, name="dan", created_by=None)
    dan = Persona(membership.user, alice.organization, key, raw)
    owners = order(alice, jfk.id, "es").json()["translation_id"]
    dans = order(dan, jfk.id, "es").json()["translation_id"]

    refused = dan.client().delete(f"/api/v1/translate/{owners}/")
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"
    assert "owners and admins" in refused.json()["message"]
    assert TranslationJob.objects.filter(pk=owners).exists()
    held = TranslationJob.objects.get(pk=owners).billing_reference
    assert Hold.objects.get(reference=held).status == HoldStatus.ACTIVE

    assert dan.client().delete(f"/api/v1/translate/{dans}/").status_code == 204
    assert not TranslationJob.objects.filter(pk=dans).exists()
    assert alice.client().delete(f"/api/v1/translate/{owners}/").status_code == 204


def test_whisper_is_refused_with_the_reason_once_retention_deleted_the_audio(alice):
    # Whisper translates from the recording; with the audio gone it is refused when the
    # translation is ordered (a 400 that says why), never failed later in the worker.
    heard = whisper_transcribe(SHARED_AUDIO / "jfk.flac")
    job = completed_job(alice, result=replace(heard, language="es"))
    job.media.delete(save=False)
    job.media_deleted_at = timezone.now()
    job.save(update_fields=["media", "media_deleted_at"])

    refused = order(alice, job.id, "en", model="whisper")

    assert refused.status_code == 400
    assert "audio was deleted" in refused.json()["message"]
    assert "apertium" in refused.json()["message"]  # what can still translate it
    assert not TranslationJob.objects.exists()
    assert not Hold.objects.filter(reference__startswith="translation:").exists()

    accepted = order(alice, job.id, "en")

    assert accepted.status_code in (200, 202), accepted.content
    assert "whisper" not in TranslationJob.objects.get().route


def test_a_translation_nobody_subscribed_to_does_not_build_a_webhook_payload(
    alice, jfk, monkeypatch
):
    from jobs.translation.api import output
    from jobs.translation.tasks import translate
    from webhooks.models import Delivery

    built: list[object] = []
    real = output.translation_output

    def counted(*args: Any, **kwargs: Any) -> Any:
        built.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(output, "translation_output", counted)
    response = order(alice, jfk.id, "es")
    translate(response.json()["translation_id"])

    # Only reading it back builds the output; the completed event had no receiver.
    assert built == []
    assert not Delivery.objects.exists()


def test_a_translations_own_webhook_gets_every_segment_and_its_finish_follows_the_store(alice, jfk):
    from jobs.transcripts.models import Transcript
    from webhooks.models import Delivery

    body = translated(alice, jfk.id, "es", webhook_url="https://hooks.example.org/t")
    delivery = Delivery.objects.get(url="https://hooks.example.org/t")
    translation = TranslationJob.objects.get(pk=body["translation_id"])
    stored = Transcript.objects.get(translation=translation)

    payload = json.loads(delivery.payload)
    assert payload["job_type"] == "translation"
    assert [s["text"] for s in payload["segments"]] == [s["text"] for s in body["segments"]]
    # Stamped when the result could be read, not before its segments were written.
    assert translation.finished_at is not None
    assert translation.finished_at >= stored.created_at
