"""Completed jobs with real transcripts, and calls on the editing API, for the
transcript workspace's tests."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from jobs.engines.base import TranscriptionResult
from jobs.lifecycle.transcription import job_claim, job_complete
from jobs.models import TranscriptionJob
from tests.audio_fixtures import SHARED_AUDIO, whisper_transcribe
from tests.conftest import Persona
from tests.test_api_transcribe import upload

JFK = SHARED_AUDIO / "jfk.flac"


def completed_job(
    persona: Persona,
    path: Path = JFK,
    *,
    speakers: tuple[str, ...] = ("SPEAKER_00", "SPEAKER_01"),
    result: TranscriptionResult | None = None,
    **data: Any,
) -> TranscriptionJob:
    """An uploaded job completed with Whisper's real transcript of ``path``, its segments
    given ``speakers`` in turn (the speakers are what is under test, not diarization)."""
    response = upload(persona, path, **data)
    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get(pk=response.json()["id"])
    claim = job_claim(str(job.id))
    assert claim is not None
    result = result or whisper_transcribe(path)
    if speakers:
        segments = [
            replace(s, speaker=speakers[i % len(speakers)]) for i, s in enumerate(result.segments)
        ]
        result = replace(result, segments=segments)
    assert job_complete(claim, result)
    job.refresh_from_db()
    return job


class TranscriptClient:
    """The editing API of one job, as one persona calls it."""

    def __init__(self, persona: Persona, job: TranscriptionJob) -> None:
        self.client = persona.client()
        self.base = f"/api/v1/transcribe/{job.id}/transcript/"

    def get(self) -> dict[str, Any]:
        response = self.client.get(self.base)
        assert response.status_code == 200, response.content
        body: dict[str, Any] = response.json()
        return body

    def call(self, method: str, path: str = "", **body: Any) -> Any:
        return getattr(self.client, method)(self.base + path, body, format="json")

    def ok(self, method: str, path: str = "", **body: Any) -> dict[str, Any]:
        response = self.call(method, path, **body)
        assert response.status_code in (200, 201), response.content
        answer: dict[str, Any] = response.json()
        return answer

    def edit_text(self, segment_id: str, text: str, version: int) -> dict[str, Any]:
        return self.ok("patch", f"segments/{segment_id}/", version=version, text=text)


def content(transcript: dict[str, Any]) -> dict[str, Any]:
    """What a transcript says, without its version bookkeeping: for comparing a state
    with one reached by undoing or restoring."""
    return {
        "speakers": transcript["speakers"],
        "segments": [
            {k: v for k, v in segment.items() if k != "edited"}
            for segment in transcript["segments"]
        ],
    }
