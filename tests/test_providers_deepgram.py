"""The ``deepgram`` provider against a loopback server speaking Deepgram's documented
pre-recorded API, with faults injected."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from jobs.engines import enabled_engines, engine_info
from jobs.engines.base import ProviderError, TranscriptionRequest, TranscriptionResult
from jobs.engines.deepgram import DeepgramProvider
from jobs.media.probe import probe
from jobs.options import TranscriptionOptions
from jobs.routing import route_plan
from tests.audio_fixtures import SHARED_AUDIO
from tests.upstreams.deepgram import DeepgramUpstream
from tests.upstreams.loopback import Fault
from tests.upstreams.transcribers import two_voices

JFK = SHARED_AUDIO / "jfk.flac"


@pytest.fixture
def upstream():
    with DeepgramUpstream(two_voices).running() as server:
        yield server


@pytest.fixture
def configured(settings, upstream):
    settings.HARK_ENGINES = ["local", "deepgram"]
    settings.HARK_DEEPGRAM_API_KEY = upstream.key
    settings.HARK_DEEPGRAM_BASE_URL = upstream.base_url
    settings.HARK_DEEPGRAM_MODEL = "nova-3"
    settings.HARK_UPSTREAM_TIMEOUT_SECONDS = 5
    return settings


def transcribe(**request: Any) -> TranscriptionResult:
    defaults: dict[str, Any] = {"path": JFK, "language": ""}
    return DeepgramProvider().transcribe(
        TranscriptionRequest(**{**defaults, **request}), lambda _: None
    )


def failure(**request: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        transcribe(**request)
    return caught.value


def test_it_is_enabled_by_its_key_and_declares_what_it_can_do(settings, configured):
    info = engine_info("deepgram")
    assert [i.name for i in enabled_engines()] == ["local", "deepgram"]
    assert (info.diarization, info.vocabulary, info.detects_language) == (True, True, True)
    assert {"en", "de", "ja"} <= set(info.languages)
    assert info.speed_rank > engine_info("local").speed_rank
    settings.HARK_DEEPGRAM_API_KEY = ""
    assert [i.name for i in enabled_engines()] == ["local"]


def test_it_posts_mp3_with_deepgrams_query_and_reads_utterances_and_speakers(configured, upstream):
    result = transcribe(diarization=True, vocabulary=("Kenobi", "Hark"), start=1.0)

    [sent] = upstream.requests
    assert sent.headers["authorization"] == "Token dg-loopback"
    assert sent.headers["content-type"] == "audio/mpeg"
    query = sent.query
    assert query["model"] == ["nova-3"]
    assert query["detect_language"] == ["true"]
    assert query["diarize"] == ["true"]
    assert query["utterances"] == ["true"]
    assert query["keyterm"] == ["Kenobi", "Hark"]
    audio = Path(configured.FILE_UPLOAD_TEMP_DIR) / "deepgram.mp3"
    audio.write_bytes(sent.body)
    assert probe(audio).duration == pytest.approx(10.0, abs=0.1)  # from 1.0 s to the end
    audio.unlink()

    assert [(s.text, s.speaker) for s in result.segments] == [
        ("Hello there.", "SPEAKER_00"),
        ("General Kenobi!", "SPEAKER_01"),
    ]
    first = result.segments[0]
    assert (first.start, first.words[0].text, first.words[0].start) == (1.5, "Hello", 1.5)
    assert first.words[0].confidence == 0.91
    assert (result.language, result.engine) == ("en", "deepgram")
    assert result.duration == pytest.approx(10.0, abs=0.05)


def test_a_language_is_sent_and_older_models_get_keywords(configured, upstream):
    configured.HARK_DEEPGRAM_MODEL = "nova-2"
    transcribe(language="de", vocabulary=("Hark",))
    [sent] = upstream.requests
    assert sent.query["language"] == ["de"]
    assert "detect_language" not in sent.query
    assert sent.query["keywords"] == ["Hark"]
    assert "diarize" not in sent.query


def test_routing_for_speed_puts_deepgram_first(configured):
    assert route_plan(TranscriptionOptions(model="auto", prefer="speed")).providers == (
        "deepgram",
        "local",
    )


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_transient(configured, upstream, status):
    upstream.fail(Fault.status(status))
    error = failure()
    assert (error.permanent, error.status) == (False, status)
    assert error.detail == f"injected fault {status}"  # Deepgram's err_msg


def test_429_carries_retry_after(configured, upstream):
    upstream.fail(Fault.rate_limited(retry_after=3))
    error = failure()
    assert (error.permanent, error.status, error.retry_after) == (False, 429, 3.0)


@pytest.mark.parametrize("status", [400, 401, 402, 403, 413])
def test_client_errors_are_permanent(configured, upstream, status):
    upstream.fail(Fault.status(status))
    assert failure().permanent


def test_a_wrong_key_is_permanent_with_deepgrams_message(configured, upstream):
    configured.HARK_DEEPGRAM_API_KEY = "wrong"
    error = failure()
    assert (error.permanent, error.status, error.detail) == (True, 401, "Invalid credentials.")


@pytest.mark.parametrize("fault", [Fault.hang(3), Fault.drip(0.05)])
def test_hangs_and_drips_end_at_the_deadline(configured, upstream, fault):
    configured.HARK_UPSTREAM_TIMEOUT_SECONDS = 1
    upstream.fail(fault)
    started = time.monotonic()
    error = failure()
    assert time.monotonic() - started < 2.5
    assert not error.permanent


@pytest.mark.parametrize("fault", [Fault.truncated(), Fault.refused()])
def test_broken_answers_are_transient(configured, upstream, fault):
    upstream.fail(fault)
    assert not failure().permanent
