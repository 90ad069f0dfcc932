"""The ``openai`` provider against a loopback server speaking OpenAI's documented
``/v1/audio/transcriptions``, with every fault an upstream can throw at it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from jobs.engines import disabled_engines, enabled_engines, engine_info
from jobs.engines.base import ProviderError, TranscriptionRequest, TranscriptionResult
from jobs.engines.openai_upstream import OpenAIProvider
from jobs.media.probe import probe
from lib.wer import word_error_rate
from tests.audio_fixtures import SHARED_AUDIO, reference_text
from tests.audio_fixtures import transcribe as local_transcription
from tests.upstreams.loopback import Fault
from tests.upstreams.openai import OpenAIUpstream
from tests.upstreams.transcribers import canned, pocketsphinx

JFK = SHARED_AUDIO / "jfk.flac"
WORDS = ["and", "so", "my", "fellow", "americans"]


@pytest.fixture
def upstream():
    with OpenAIUpstream(canned(WORDS)).running() as server:
        yield server


@pytest.fixture
def configured(settings, upstream):
    settings.HARK_ENGINES = ["local", "openai"]
    settings.HARK_OPENAI_BASE_URL = upstream.base_url
    settings.HARK_OPENAI_API_KEY = upstream.key
    settings.HARK_OPENAI_MODEL = "whisper-1"
    settings.HARK_OPENAI_EXTENSIONS = []
    settings.HARK_UPSTREAM_TIMEOUT_SECONDS = 5
    return settings


def transcribe(**request: Any) -> tuple[TranscriptionResult, list[float]]:
    progress: list[float] = []
    result = OpenAIProvider().transcribe(
        TranscriptionRequest(**{"path": JFK, "language": "", **request}), progress.append
    )
    return result, progress


def failure(**request: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        transcribe(**request)
    return caught.value


def test_it_is_offered_only_once_configured(settings):
    settings.HARK_ENGINES = ["local", "openai"]
    settings.HARK_OPENAI_BASE_URL = ""
    assert [info.name for info in enabled_engines()] == ["local"]
    assert "HARK_OPENAI_BASE_URL" in disabled_engines()["openai"]


def test_it_declares_languages_limits_and_features(configured):
    info = engine_info("openai")
    assert [i.name for i in enabled_engines()] == ["local", "openai"]
    assert {"en", "de", "ja"} <= set(info.languages)
    assert (info.detects_language, info.vocabulary, info.word_timestamps) == (True, True, True)
    assert info.max_upload_bytes == 25 * 1024 * 1024
    assert info.upstream
    assert not info.diarization  # not unless the upstream has Voxtral's diarize
    configured.HARK_OPENAI_EXTENSIONS = ["diarize", "context_bias"]
    assert engine_info("openai").diarization


def test_it_uploads_low_bitrate_mono_mp3_and_reads_segments_and_words(configured, upstream):
    result, progress = transcribe()

    [sent] = upstream.requests
    assert sent.headers["authorization"] == "Bearer sk-loopback"
    assert sent.form["model"] == ["whisper-1"]
    assert sent.form["response_format"] == ["verbose_json"]
    assert sent.form["timestamp_granularities[]"] == ["word", "segment"]
    assert "language" not in sent.form  # left to the upstream to detect
    audio = Path(configured.FILE_UPLOAD_TEMP_DIR) / "sent.mp3"
    audio.write_bytes(sent.files["file"])
    media = probe(audio)
    audio.unlink()
    assert (media.container, media.channels, media.sample_rate) == ("mp3", 1, 16000)
    assert media.duration == pytest.approx(11.0, abs=0.1)
    assert len(sent.files["file"]) < 11 * 48_000 / 8 * 1.2  # 48 kbit/s

    assert result.engine == "openai"
    assert result.language == "en"  # "english" in OpenAI's answer
    assert result.duration == pytest.approx(11.0, abs=0.05)
    assert result.text == "and so my fellow americans"
    words = [w for s in result.segments for w in s.words]
    assert [(w.text, w.start) for w in words] == [(word, i * 0.5) for i, word in enumerate(WORDS)]
    assert progress[-1] == 1.0


def test_a_trimmed_span_is_sent_alone_and_its_times_land_on_the_original_timeline(
    configured, upstream
):
    result, _ = transcribe(start=3.0, end=8.0)
    assert result.duration == pytest.approx(5.0, abs=0.05)
    words = [w for s in result.segments for w in s.words]
    assert words[0].start == pytest.approx(3.0)
    assert all(3.0 <= w.start <= w.end <= 8.0 for w in words)


def test_real_speech_comes_back_with_times_from_the_audio(configured):
    configured.HARK_UPSTREAM_TIMEOUT_SECONDS = 120  # real recognition on two shared cores
    with OpenAIUpstream(pocketsphinx).running() as real:
        configured.HARK_OPENAI_BASE_URL = real.base_url
        result, _ = transcribe(start=0.0)
    assert "country" in result.text
    heard = [w for s in result.segments for w in s.words]
    # Compared with the local engine on the original file: MP3 at 48 kbit/s, mono, must
    # not move the words.
    original, _ = local_transcription(JFK)
    expected = [w for s in original.segments for w in s.words]
    # MP3 is lossy, so pocketsphinx may hear a word or two differently, but no worse
    # than the bound it meets on the original (see test_local_engine)…
    assert word_error_rate(reference_text("jfk"), result.text) <= 0.37
    # …but the words it hears alike are at the same times.
    first = next(w for w in expected if w.text == "country")
    assert next(w for w in heard if w.text == "country").start == pytest.approx(
        first.start, abs=0.05
    )
    assert all(0 < w.confidence <= 1 for w in heard)


def test_language_vocabulary_and_speakers_are_passed_through(configured, upstream):
    transcribe(language="de", vocabulary=("Hark", "Okonkwo"), diarization=True)
    configured.HARK_OPENAI_EXTENSIONS = ["diarize", "context_bias"]
    transcribe(language="de", vocabulary=("Hark", "Okonkwo"), diarization=True)

    plain, extended = upstream.requests
    assert plain.form["language"] == ["de"]
    assert plain.form["prompt"] == ["Hark, Okonkwo"]
    assert "diarize" not in plain.form
    assert "context_bias" not in plain.form
    assert extended.form["context_bias"] == ["Hark,Okonkwo"]
    assert extended.form["diarize"] == ["true"]
    assert "prompt" not in extended.form


def test_an_upstream_answering_plain_json_gives_one_untimed_segment(configured):
    with OpenAIUpstream(canned(WORDS), only_json=True).running() as plain:
        configured.HARK_OPENAI_BASE_URL = plain.base_url
        result, _ = transcribe(start=2.0, end=6.0)
    [segment] = result.segments
    assert segment.text == "and so my fellow americans"
    assert segment.start == 2.0
    assert segment.end == pytest.approx(6.0, abs=0.05)
    assert segment.words == ()


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(configured, upstream, status):
    upstream.fail(Fault.status(status))
    error = failure()
    assert not error.permanent
    assert error.status == status
    assert "injected fault" in error.detail


def test_429_is_transient_and_carries_retry_after(configured, upstream):
    upstream.fail(Fault.rate_limited(retry_after=7))
    error = failure()
    assert (error.permanent, error.status, error.retry_after) == (False, 429, 7.0)
    assert "busy" in error.message


@pytest.mark.parametrize(
    ("status", "words"),
    [(400, "could not transcribe"), (401, "credentials"), (403, "credentials"), (413, "too large")],
)
def test_client_errors_are_permanent(configured, upstream, status, words):
    upstream.fail(Fault.status(status))
    error = failure()
    assert error.permanent
    assert error.status == status
    assert words in error.message


def test_a_wrong_key_is_a_permanent_401(configured, upstream):
    configured.HARK_OPENAI_API_KEY = "sk-wrong"
    error = failure()
    assert (error.permanent, error.status) == (True, 401)
    assert error.detail == "Incorrect API key provided."
    assert "sk-wrong" not in error.message


def test_an_upstream_that_hangs_times_out_as_a_transient_failure(configured, upstream):
    configured.HARK_UPSTREAM_TIMEOUT_SECONDS = 1
    upstream.fail(Fault.hang(4))
    started = time.monotonic()
    error = failure()
    assert time.monotonic() - started < 3
    assert not error.permanent
    assert "did not answer within 1 seconds" in error.message


def test_a_slow_drip_is_cut_off_at_the_deadline(configured, upstream):
    # One byte every 50 ms: each read is quick, so only an overall deadline stops it.
    configured.HARK_UPSTREAM_TIMEOUT_SECONDS = 1
    upstream.fail(Fault.drip(0.05))
    started = time.monotonic()
    error = failure()
    assert time.monotonic() - started < 3
    assert not error.permanent
    assert "did not answer within 1 seconds" in error.message


@pytest.mark.parametrize("fault", [Fault.truncated(), Fault.refused()])
def test_a_broken_answer_is_transient(configured, upstream, fault):
    upstream.fail(fault)
    error = failure()
    assert not error.permanent
    assert "broke off" in error.message


def test_nothing_listening_is_transient(configured, upstream):
    with OpenAIUpstream(canned(WORDS)).running() as gone:
        url = gone.base_url
    configured.HARK_OPENAI_BASE_URL = url
    error = failure()
    assert not error.permanent


def test_unreadable_media_is_permanent_and_never_sent(configured, upstream, tmp_path):
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"not audio at all" * 100)
    error = failure(path=junk)
    assert error.permanent
    assert upstream.requests == []


def test_a_translation_goes_to_the_translations_endpoint_without_a_language(configured, upstream):
    result, _ = transcribe(task="translate", language="de", prompt="A licence.")

    [sent] = upstream.requests
    assert sent.path == "/v1/audio/translations"
    assert "language" not in sent.form
    assert "timestamp_granularities[]" not in sent.form
    assert sent.form["prompt"] == ["A licence."]
    assert result.segments
    assert all(word.startswith("en:") for word in result.text.split())
