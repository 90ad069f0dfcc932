"""Real audio through the API and a real ``qcluster`` process (not sync mode)."""

from __future__ import annotations

import time
import wave
from bisect import bisect
from decimal import Decimal
from itertools import accumulate
from pathlib import Path
from typing import Any

import pytest

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import wallet_for
from jobs.models import ChunkStatus, JobStatus, TranscriptionChunk, TranscriptionJob
from jobs.services.worker import jobs_recover_abandoned
from jobs.transcripts.selectors import transcript_read
from lib.wer import word_error_rate
from tests.audio_fixtures import (
    SHARED_AUDIO,
    clips_joined,
    concatenated_speech,
    reference_text,
)
from tests.conftest import wait_for
from tests.test_api_transcribe import upload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# The default engine is Whisper base: issue #9 promises a word error rate of 0.00 on
# jfk.flac, and the engine alone scores that (tests/test_providers_whisper.py). Through
# the worker the same text must come back: 0.05 is one wrong word in 22, so a lost
# chunk, a segment dropped at stitching or a job served by pocketsphinx (0.32) fails it.
JFK_MAX_WER = 0.05
# The LibriVox reader (five clips of one reading, 71 words): issue #9's bound for each.
LIBRIVOX_MAX_WER = 0.15
LIBRIVOX = tuple(f"librivox_ss01_{n}.wav" for n in ("0870", "0880", "0890", "0920", "0930"))
CLIP_GAP_SECONDS = 1.0


def clip_seconds(name: str) -> float:
    with wave.open(str(SHARED_AUDIO / name)) as clip:
        return float(clip.getnframes() / clip.getframerate())


def finished(job_id: str) -> bool:
    return TranscriptionJob.objects.get(pk=job_id).status in {
        JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED,
    }  # fmt: skip


def transcribed(persona, path: Path, **data: str) -> dict[str, Any]:
    """Upload ``path``, wait for the worker to finish it, and return the job as the API
    shows it, segments included.

    Each test transcribes one file and asserts everything about it: a job cannot be
    shared between tests, since the personas and the worker are the test's own and the
    database is emptied after each test (transactional, for the worker process)."""
    response = upload(persona, path, **data)
    assert response.status_code == 200, response.content
    job_id = response.json()["id"]
    wait_for(lambda: finished(job_id), timeout=180)
    body: dict[str, Any] = (
        persona.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()
    )
    assert body["status"] == "completed", body
    return body


def test_jfk_is_transcribed_by_a_real_worker_and_charged_once(alice, start_worker):
    start_worker()
    job_id = upload(alice, word_timestamps="true").json()["id"]
    wait_for(lambda: finished(job_id), timeout=120)

    body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()
    assert body["status"] == "completed", body
    assert body["providers"] == ["whisper"]
    assert "country" in body["transcript"]
    wer = word_error_rate(reference_text("jfk"), body["transcript"])
    assert wer <= JFK_MAX_WER, f"WER {wer:.2f}: {body['transcript']}"
    assert body["duration_seconds"] == pytest.approx(11.0, abs=0.05)
    assert body["language"] == "en"
    words = [w for segment in body["segments"] for w in segment["words"]]
    starts = [w["start"] for w in words]
    assert starts == sorted(starts)
    assert len(words) >= 15
    assert all(0 <= w["start"] <= w["end"] <= 11.0 for w in words)
    assert all(0 <= s["confidence"] <= 1 for s in body["segments"])

    charge = LedgerEntry.objects.get(kind=EntryKind.CHARGE)
    assert charge.amount == Decimal("-0.19")
    assert body["credits_used"] == 0.19
    assert Hold.objects.get(reference=f"job:{job_id}").status == HoldStatus.CAPTURED
    assert wallet_for(alice.organization).balance == Decimal("59.81")

    srt = alice.client().get(f"/api/v1/transcribe/{job_id}/?format=srt")
    assert srt.status_code == 200
    assert "-->" in srt.content.decode()
    assert srt["Content-Disposition"] == 'attachment; filename="jfk.srt"'


def speakers_of(body: dict[str, Any]) -> set[str]:
    labels = {segment["speaker"] for segment in body["segments"]}
    assert None not in labels, body["segments"]
    assert labels == {speaker["label"] for speaker in body["speakers"]}
    return labels


def test_a_stereo_file_is_downmixed_transcribed_and_its_two_voices_told_apart(alice, start_worker):
    # One speaker per channel: downmixed to one, the voices are still told apart.
    start_worker()
    body = transcribed(alice, SHARED_AUDIO / "stereo_diarization.wav", diarization="true")
    assert body["duration_seconds"] == pytest.approx(5.0, abs=0.05)
    assert len(body["transcript"].split()) >= 5
    assert len(speakers_of(body)) >= 2
    job = TranscriptionJob.objects.get(pk=body["id"])
    assert (job.diarization, job.providers) == (True, ["whisper"])


def test_a_meeting_diarized_by_a_worker_comes_back_with_its_speakers(alice, start_worker):
    # The AMI excerpt: 30 s of far-field meeting speech with overlaps (its reference
    # turns, ami_debug_tst00.rttm, name four speakers).
    start_worker()
    body = transcribed(
        alice, SHARED_AUDIO / "ami_debug_tst00.wav", diarization="true", word_timestamps="true"
    )
    assert len(speakers_of(body)) >= 2
    for segment in body["segments"]:
        words = segment["words"]
        assert all(segment["start"] <= w["start"] <= w["end"] <= segment["end"] for w in words)


def test_each_librivox_clip_comes_back_within_the_english_word_error_bound(
    alice, start_worker, tmp_path
):
    # One job for the five clips (each transcription costs CI time); the words are
    # shared out to the clips by their times, and each clip is scored on its own.
    reading = clips_joined(LIBRIVOX, tmp_path / "librivox.wav", gap=CLIP_GAP_SECONDS)
    start_worker()
    body = transcribed(alice, reading, word_timestamps="true")
    words = [w for segment in body["segments"] for w in segment["words"]]
    ends = list(accumulate(clip_seconds(name) + CLIP_GAP_SECONDS for name in LIBRIVOX))
    heard: list[list[str]] = [[] for _ in LIBRIVOX]
    for word in words:
        middle = (word["start"] + word["end"]) / 2
        heard[min(bisect(ends, middle), len(LIBRIVOX) - 1)].append(word["word"])
    for name, clip_words in zip(LIBRIVOX, heard, strict=True):
        text = " ".join(clip_words)
        wer = word_error_rate(reference_text(name), text)
        assert wer <= LIBRIVOX_MAX_WER, f"{name}: WER {wer:.2f}: {text}"
    assert (body["language"], body["providers"]) == ("en", ["whisper"])


def test_a_recording_that_switches_to_german_keeps_the_german_and_the_main_language(
    alice, start_worker
):
    # multilingual.mp3: the MIT licence read in English, then from 0:30 in German. A
    # minute is cut into two chunks, each detecting its own language.
    start_worker()
    body = transcribed(alice, SHARED_AUDIO / "multilingual.mp3")
    german = " ".join(s["text"] for s in body["segments"] if s["language"] == "de")
    english = " ".join(s["text"] for s in body["segments"] if s["language"] == "en")
    assert "Software" in german
    assert "Dokumentation" in german
    assert "Permission is hereby granted" in english
    assert min(s["start"] for s in body["segments"] if s["language"] == "de") >= 29
    # The job says the language spoken longest; the two halves are close (the language
    # runs measured 30.06 s of English and 29.84 s of German), so it is computed from
    # what came back rather than written down.
    spoken: dict[str, float] = {}
    for segment in body["segments"]:
        spoken[segment["language"]] = spoken.get(segment["language"], 0.0) + (
            segment["end"] - segment["start"]
        )
    assert set(spoken) == {"en", "de"}
    assert body["language"] == max(spoken, key=lambda code: spoken[code])


def test_a_worker_killed_mid_job_leaves_a_job_that_completes_once_charged_once(
    alice, start_worker, tmp_path
):
    long_audio = concatenated_speech(90, tmp_path / "ninety-seconds.wav")
    worker = start_worker(HARK_JOB_LEASE_SECONDS="3")
    job_id = upload(alice, long_audio).json()["id"]

    def mid_chunk() -> bool:
        # 90 s on the local engine runs as three 30 s chunks, one after another on one
        # worker: killed in the middle of the second one, not between two (a task the
        # dead cluster had already taken from the queue is another story: see the notes).
        job = TranscriptionJob.objects.get(pk=job_id)
        working = TranscriptionChunk.objects.filter(job=job, status=ChunkStatus.PROCESSING)
        return job.status == JobStatus.PROCESSING and job.progress > 0 and working.exists()

    wait_for(mid_chunk, timeout=60, interval=0.05)
    worker.kill()
    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.PROCESSING
    assert job.attempts == 1

    # The lease runs out because nobody renews it; the sweeper (scheduled every minute
    # in production) gives the job back to the queue for a new worker.
    time.sleep(3.5)
    assert jobs_recover_abandoned() == 1
    start_worker()
    wait_for(lambda: finished(job_id), timeout=180)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED
    assert job.attempts == 2
    charges = LedgerEntry.objects.filter(kind=EntryKind.CHARGE, reference=f"job:{job_id}")
    assert charges.count() == 1
    assert -charges.get().amount == job.credits_used == job.estimated_credits
    # The second attempt's transcript replaced the first's, rather than adding to it.
    assert job.transcripts.count() == 1
    view = transcript_read(job)
    assert view is not None
    assert view.segments
    starts = [segment.start for segment in view.segments]
    assert starts == sorted(starts)
