"""Real audio through the API and a real ``qcluster`` process (not sync mode)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import wallet_for
from jobs.models import ChunkStatus, JobStatus, TranscriptionChunk, TranscriptionJob
from jobs.services.worker import jobs_recover_abandoned
from jobs.transcripts.selectors import transcript_read
from lib.wer import word_error_rate
from tests.audio_fixtures import SHARED_AUDIO, concatenated_speech, reference_text
from tests.conftest import wait_for
from tests.test_api_transcribe import upload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# Measured WER of the local engine on jfk.flac through the whole pipeline: 0.32
# (pocketsphinx's small English model hears "and all my fellow america and not what your
# country can do for you / and what you can do the lovely"). 0.40 leaves room for
# version drift, yet a lost VAD region (the last sentence alone is 8 of 22 words, +0.36)
# or a broken decode fails it.
JFK_MAX_WER = 0.40


def finished(job_id: str) -> bool:
    return TranscriptionJob.objects.get(pk=job_id).status in {
        JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED,
    }  # fmt: skip


def test_jfk_is_transcribed_by_a_real_worker_and_charged_once(alice, start_worker):
    start_worker()
    job_id = upload(alice, word_timestamps="true").json()["id"]
    wait_for(lambda: finished(job_id), timeout=120)

    body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()
    assert body["status"] == "completed", body
    assert "country" in body["transcript"]
    wer = word_error_rate(reference_text("jfk"), body["transcript"])
    assert wer < JFK_MAX_WER, f"WER {wer:.2f}"
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


def test_a_stereo_file_is_downmixed_and_transcribed(alice, start_worker):
    start_worker()
    job_id = upload(alice, SHARED_AUDIO / "stereo_diarization.wav").json()["id"]
    wait_for(lambda: finished(job_id), timeout=120)
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/").json()
    assert body["status"] == "completed"
    assert body["duration_seconds"] == pytest.approx(5.0, abs=0.05)
    assert len(body["transcript"].split()) >= 5


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
