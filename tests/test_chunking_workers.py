"""Long audio on real ``qcluster`` workers: chunks in parallel, three hours in flat memory.

The three-hour recordings are mostly digital silence with real speech (jfk.flac) placed
at known times, so the test costs what the speech costs, and the words can be checked
to come back at their shifted times."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from billing.models import EntryKind, LedgerEntry
from billing.services import credits_grant
from jobs.models import (
    ChunkStatus,
    JobStatus,
    ProviderAttempt,
    TranscriptionChunk,
    TranscriptionJob,
)
from jobs.transcripts.selectors import job_text
from lib.wer import word_error_rate
from tests.audio_fixtures import SHARED_AUDIO, concatenated_speech, transcribe
from tests.conftest import wait_for
from tests.test_api_transcribe import upload
from tests.upstreams.media import sparse_speech
from tests.upstreams.openai import OpenAIUpstream
from tests.upstreams.transcribers import pocketsphinx

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

JFK = SHARED_AUDIO / "jfk.flac"
THREE_HOURS = 3 * 3600.0
# Where jfk.flac is placed in the three-hour recording (seconds).
PLACED = (600.25, 3600.5, 7200.0, 10700.0)
# A three-hour recording decoded at once would be 345 MB of samples; a worker with the
# pocketsphinx model loaded peaks near 200 MB whatever the length.
MAX_WORKER_PEAK_MB = 300


def finished(job_id: str) -> bool:
    return TranscriptionJob.objects.get(pk=job_id).is_finished


def peak_mb(root_pid: int) -> float:
    """The highest VmHWM among ``root_pid`` and its descendants (django-q forks)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            parent = next(
                line.split()[1] for line in status.splitlines() if line.startswith("PPid")
            )
            children.setdefault(int(parent), []).append(int(entry.name))
    peak, pending = 0.0, [root_pid]
    while pending:
        pid = pending.pop()
        pending += children.get(pid, [])
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmHWM"):
                peak = max(peak, int(line.split()[1]) / 1024)
    return peak


def jfk_country() -> float:
    """When the local engine hears the first "country" in jfk.flac alone."""
    result, _ = transcribe(JFK)
    return next(w.start for s in result.segments for w in s.words if w.text == "country")


def assert_country_at_each_placement(persona, job_id: str, *, tolerance: float) -> None:
    body = persona.client().get(f"/api/v1/transcribe/{job_id}/?segments=true&words=true").json()
    starts = [w["start"] for s in body["segments"] for w in s["words"] if w["word"] == "country"]
    offset = jfk_country()
    for placed in PLACED:
        assert any(abs(start - (placed + offset)) <= tolerance for start in starts), (
            placed,
            starts,
        )
    assert all(any(p <= start <= p + 11 for p in PLACED) for start in starts)


def test_chunks_run_in_parallel_on_two_workers_and_read_like_the_whole_file(
    alice, start_worker, tmp_path, settings
):
    speech = concatenated_speech(90, tmp_path / "ninety.wav")
    worker = start_worker(HARK_WORKERS="2")
    job_id = upload(alice, speech, model="local").json()["id"]
    wait_for(lambda: finished(job_id), timeout=300)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED, job.error_message
    assert job.chunks_total >= 3
    assert job.chunks_done == job.chunks_total
    chunks = TranscriptionChunk.objects.filter(job=job)
    assert set(chunks.values_list("status", flat=True)) == {ChunkStatus.COMPLETED}
    # Two chunks were being transcribed at the same time.
    spans = [
        (a.started_at.timestamp(), a.started_at.timestamp() + a.duration_seconds)
        for a in ProviderAttempt.objects.filter(job=job)
    ]
    assert any(a0 < b1 and b0 < a1 for i, (a0, a1) in enumerate(spans) for b0, b1 in spans[i + 1 :])
    # Stitched at the joins without lost or doubled words: the same text as the whole
    # file transcribed in one go, give or take pocketsphinx's per-utterance adaptation.
    whole, _ = transcribe(speech)
    assert word_error_rate(whole.text, job_text(job)) <= 0.08
    assert LedgerEntry.objects.filter(kind=EntryKind.CHARGE).count() == 1
    assert worker.process.poll() is None


def test_a_three_hour_recording_on_the_local_engine_in_flat_memory(alice, start_worker, tmp_path):
    credits_grant(organization=alice.organization, amount=Decimal("200"), reason="long test")
    recording = sparse_speech(
        tmp_path / "three-hours.flac", seconds=THREE_HOURS, clips_at=[(t, JFK) for t in PLACED]
    )
    worker = start_worker(HARK_WORKERS="2")
    job_id = upload(alice, recording, model="local", word_timestamps="true").json()["id"]
    wait_for(lambda: finished(job_id), timeout=600)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED, job.error_message
    assert job.duration_seconds == pytest.approx(THREE_HOURS)
    assert job.chunks_total >= THREE_HOURS / 30
    # Only the chunks with sound in them were transcribed.
    transcribed = TranscriptionChunk.objects.filter(job=job, status=ChunkStatus.COMPLETED)
    assert len(PLACED) <= transcribed.count() <= 2 * len(PLACED)
    assert_country_at_each_placement(alice, job_id, tolerance=0.15)
    assert LedgerEntry.objects.get(kind=EntryKind.CHARGE).amount == Decimal("-180.00")
    peak = peak_mb(worker.process.pid)
    assert 0 < peak < MAX_WORKER_PEAK_MB, f"a worker peaked at {peak:.0f} MB"


def test_a_three_hour_recording_through_an_upstream(alice, start_worker, tmp_path, settings):
    credits_grant(organization=alice.organization, amount=Decimal("200"), reason="long test")
    recording = sparse_speech(
        tmp_path / "three-hours.flac", seconds=THREE_HOURS, clips_at=[(t, JFK) for t in PLACED]
    )
    with OpenAIUpstream(pocketsphinx).running() as upstream:
        env = {
            "HARK_ENGINES": "local,openai",
            "HARK_OPENAI_BASE_URL": upstream.base_url,
            "HARK_OPENAI_API_KEY": upstream.key,
            "HARK_OPENAI_MODEL": "whisper-1",
        }
        settings.HARK_ENGINES = ["local", "openai"]
        settings.HARK_OPENAI_BASE_URL = upstream.base_url
        settings.HARK_OPENAI_API_KEY = upstream.key
        settings.HARK_OPENAI_MODEL = "whisper-1"
        worker = start_worker(HARK_WORKERS="2", **env)
        job_id = upload(alice, recording, model="openai", word_timestamps="true").json()["id"]
        wait_for(lambda: finished(job_id), timeout=600)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED, job.error_message
    # Ten-minute chunks, of which only those with speech were sent.
    assert 18 <= job.chunks_total <= 20
    assert (
        len(upstream.requests)
        == TranscriptionChunk.objects.filter(job=job, status=ChunkStatus.COMPLETED).count()
    )
    assert len(PLACED) <= len(upstream.requests) <= 2 * len(PLACED)
    # Each request stayed far under OpenAI's 25 MB: ten minutes of 48 kbit/s mono MP3.
    assert max(len(r.files["file"]) for r in upstream.requests) < 4_000_000
    assert_country_at_each_placement(alice, job_id, tolerance=0.15)
    assert job.providers == ["openai"]
    assert peak_mb(worker.process.pid) < MAX_WORKER_PEAK_MB
