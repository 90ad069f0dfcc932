"""Long audio: cut at silences, one task per chunk, stitched with the chunks' offsets.

Tone bursts at known times stand for words: the loopback upstream "hears" each burst as
a word named after its length, so every word can be checked to come back exactly once,
at its time, however the audio was cut. Chunk tasks run here in this process, one after
the other (the parallel runs on real workers are in test_chunking_workers.py)."""

from __future__ import annotations

import itertools
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from jobs.media.chunking import cut_at_silences
from jobs.models import (
    AttemptOutcome,
    ChunkStatus,
    JobStatus,
    ProviderAttempt,
    TranscriptionChunk,
    TranscriptionJob,
)
from jobs.services.chunks import chunk_run
from jobs.services.lifecycle import job_cancel
from jobs.services.worker import job_run, jobs_recover_abandoned
from tests.test_api_transcribe import upload
from tests.upstreams.loopback import Fault
from tests.upstreams.openai import OpenAIUpstream
from tests.upstreams.transcribers import burst_name, bursts, write_bursts

pytestmark = pytest.mark.django_db(transaction=True)

# 60 bursts over 123 s: lengths 0.30-0.75 s (each a distinct name within a run of ten),
# gaps of 0.15-1.5 s, so some joins fall in long pauses and some between close "words".
BURSTS = [
    (round(1.0 + i * 2.0 + (0.4 if i % 3 else 0.0), 3), 0.30 + 0.05 * (i % 10)) for i in range(60)
]


@pytest.fixture
def tones(tmp_path) -> Path:
    return write_bursts(tmp_path / "tones.wav", seconds=123.0, bursts_at=BURSTS)


@pytest.fixture
def upstream():
    with OpenAIUpstream(bursts).running() as server:
        yield server


@pytest.fixture
def chunked(settings, upstream):
    settings.HARK_ENGINES = ["local", "openai"]
    settings.HARK_OPENAI_BASE_URL = upstream.base_url
    settings.HARK_OPENAI_API_KEY = upstream.key
    settings.HARK_OPENAI_MODEL = "whisper-1"
    settings.HARK_UPSTREAM_TIMEOUT_SECONDS = 10
    settings.HARK_UPSTREAM_CHUNK_SECONDS = 20  # six or seven chunks of the 123 s
    settings.HARK_ENGINE_PRICES = {"local": Decimal("1"), "openai": Decimal("3")}
    return settings


def drain(job_id: Any) -> None:
    """The job's task, then its chunk tasks in order, in this process."""
    job_run(job_id)
    for _ in range(100):
        chunk = (
            TranscriptionChunk.objects.filter(job_id=job_id, status=ChunkStatus.QUEUED)
            .order_by("index")
            .first()
        )
        if chunk is None or TranscriptionJob.objects.get(pk=job_id).is_finished:
            return
        chunk_run(chunk.pk, chunk.job_attempt)


def words_of(persona, job_id: str) -> list[dict[str, Any]]:
    body = persona.client().get(f"/api/v1/transcribe/{job_id}/?segments=true&words=true").json()
    return [w for s in body["segments"] for w in s["words"]]


def test_the_cuts_fall_between_words_and_cover_every_sample(tones, tmp_path):
    cuts = list(cut_at_silences(tones, tmp_path, target=10.0, total=123.0))

    assert cuts[0].start == 0.0
    assert cuts[-1].end == pytest.approx(123.0, abs=0.01)
    assert all(a.end == b.start for a, b in itertools.pairwise(cuts))
    assert all(c.seconds <= 10.0 + 1e-6 for c in cuts[:-1])
    assert cuts[-1].seconds < 10.0 * 4 / 3 + 0.01  # no scrap of a chunk at the end
    for cut in cuts[:-1]:
        inside = [s for s, length in BURSTS if s < cut.end < s + length]
        assert inside == [], f"cut at {cut.end} splits a burst"


def test_silent_chunks_are_neither_written_nor_sent(tmp_path):
    quiet = write_bursts(tmp_path / "quiet.wav", seconds=60.0, bursts_at=[(45.0, 0.5)])
    cuts = list(cut_at_silences(quiet, tmp_path, target=10.0, total=60.0))
    assert [c.path is not None for c in cuts] == [c.start <= 45.0 < c.end for c in cuts]
    assert sorted(p.name for p in tmp_path.glob("chunk-*.flac")) == [
        c.path.name for c in cuts if c.path
    ]


def test_every_word_comes_back_once_at_its_time_across_the_joins(chunked, upstream, alice, tones):
    response = upload(alice, tones, model="openai", word_timestamps="true")
    job_id = response.json()["id"]
    drain(job_id)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED, job.error_message
    assert job.chunks_total == len(upstream.requests) >= 6
    assert job.chunks_done == job.chunks_total
    heard = [(w["word"], w["start"]) for w in words_of(alice, job_id)]
    expected = [(burst_name(length), start) for start, length in BURSTS]
    assert [word for word, _ in heard] == [word for word, _ in expected]
    assert all(abs(a - b) <= 0.02 for (_, a), (_, b) in zip(heard, expected, strict=True))

    # Each request carried one chunk, re-encoded as low-bitrate mono MP3.
    assert all(len(r.files["file"]) < 21 * 48_000 / 8 * 1.2 for r in upstream.requests)
    chunks = list(TranscriptionChunk.objects.filter(job_id=job_id).order_by("index"))
    assert [c.status for c in chunks] == [ChunkStatus.COMPLETED] * len(chunks)
    assert all(c.media.name == "" for c in chunks)  # chunk files deleted once stitched
    assert not default_storage.exists(f"org/{alice.organization.pk}/chunks/{job_id}/1-00000.flac")
    # Charged once, for the whole 123 s at openai's price.
    assert LedgerEntry.objects.get(kind=EntryKind.CHARGE).amount == Decimal("-6.15")


def test_a_failed_chunk_falls_back_alone_and_each_provider_is_charged_its_share(
    chunked, upstream, alice, tones
):
    response = upload(alice, tones, model="openai", fallbacks="local")
    job_id = response.json()["id"]
    upstream.fail(Fault.status(503))  # the first chunk's request
    drain(job_id)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED
    chunks = list(TranscriptionChunk.objects.filter(job_id=job_id).order_by("index"))
    assert [c.provider for c in chunks][:2] == ["local", "openai"]
    assert {c.provider for c in chunks[1:]} == {"openai"}
    # The chunk that failed was sent once; no other chunk was sent twice.
    assert len(upstream.requests) == len(chunks)
    by_chunk = [
        (a.chunk_index, a.provider, a.outcome)
        for a in ProviderAttempt.objects.filter(job_id=job_id).order_by("id")
    ]
    assert by_chunk[:3] == [
        (0, "openai", AttemptOutcome.TRANSIENT),
        (0, "local", AttemptOutcome.SUCCEEDED),
        (1, "openai", AttemptOutcome.SUCCEEDED),
    ]
    assert job.providers == ["openai", "local"]
    local_seconds = chunks[0].seconds
    openai_seconds = sum(c.seconds for c in chunks[1:])
    expected = (Decimal(str(local_seconds)) / 60 + Decimal(str(openai_seconds)) / 60 * 3).quantize(
        Decimal("0.01"), rounding="ROUND_CEILING"
    )
    assert LedgerEntry.objects.get(kind=EntryKind.CHARGE).amount == -expected


def test_a_chunk_that_fails_transiently_is_retried_without_redoing_the_others(
    chunked, upstream, alice, tones
):
    chunked.HARK_JOB_RETRY_SCHEDULE = [0.0]  # the backoff: tests/test_job_retry_backoff.py
    job_id = upload(alice, tones, model="openai").json()["id"]
    job_run(job_id)
    chunks = list(TranscriptionChunk.objects.filter(job_id=job_id).order_by("index"))
    chunk_run(chunks[0].pk, 1)
    upstream.fail(Fault.status(500))
    chunk_run(chunks[1].pk, 1)

    second = TranscriptionChunk.objects.get(pk=chunks[1].pk)
    assert (second.status, second.attempts) == (ChunkStatus.QUEUED, 1)
    drain(job_id)
    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED
    assert len(upstream.requests) == len(chunks) + 1
    assert TranscriptionChunk.objects.get(pk=chunks[0].pk).attempts == 1
    assert TranscriptionChunk.objects.get(pk=chunks[1].pk).attempts == 2


def test_progress_counts_chunks(chunked, upstream, alice, tones):
    job_id = upload(alice, tones, model="openai").json()["id"]
    job_run(job_id)
    chunks = list(TranscriptionChunk.objects.filter(job_id=job_id).order_by("index"))
    total = len(chunks)
    seen = []
    for done, chunk in enumerate(chunks[:-1], start=1):
        chunk_run(chunk.pk, 1)
        job = TranscriptionJob.objects.get(pk=job_id)
        seen.append((job.chunks_done, job.progress))
        body = alice.client().get(f"/api/v1/transcribe/{job_id}/").json()
        assert body["chunks"] == {"total": total, "done": done}
    assert seen == [(n, n * 100 // total) for n in range(1, total)]
    chunk_run(chunks[-1].pk, 1)
    assert TranscriptionJob.objects.get(pk=job_id).progress == 100


def test_a_permanent_failure_in_one_chunk_fails_the_job_and_the_rest_stand_down(
    chunked, upstream, alice, tones
):
    job_id = upload(alice, tones, model="openai").json()["id"]
    job_run(job_id)
    chunks = list(TranscriptionChunk.objects.filter(job_id=job_id).order_by("index"))
    upstream.fail(Fault.status(400))
    chunk_run(chunks[0].pk, 1)
    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.FAILED
    chunk_run(chunks[1].pk, 1)  # its task still runs, and finds nothing to do
    assert len(upstream.requests) == 1
    assert Hold.objects.get(reference=job.billing_reference).status == HoldStatus.RELEASED
    assert not LedgerEntry.objects.filter(kind=EntryKind.CHARGE).exists()
    # The sweeper deletes the chunk files of finished jobs.
    names = [str(c.media.name) for c in chunks]
    assert all(default_storage.exists(name) for name in names)
    jobs_recover_abandoned()
    assert not any(default_storage.exists(name) for name in names)


def test_canceling_mid_way_stops_the_chunks_and_charges_nothing(chunked, upstream, alice, tones):
    job_id = upload(alice, tones, model="openai").json()["id"]
    job_run(job_id)
    chunks = list(TranscriptionChunk.objects.filter(job_id=job_id).order_by("index"))
    chunk_run(chunks[0].pk, 1)
    job_cancel(organization=alice.organization, job_id=job_id, actor=None)
    for chunk in chunks[1:]:
        chunk_run(chunk.pk, 1)
    assert len(upstream.requests) == 1
    assert TranscriptionJob.objects.get(pk=job_id).status == JobStatus.CANCELED
    assert not LedgerEntry.objects.filter(kind=EntryKind.CHARGE).exists()


def test_a_lost_chunk_worker_requeues_the_job_and_keeps_the_finished_chunks(
    chunked, upstream, alice, tones
):
    job_id = upload(alice, tones, model="openai").json()["id"]
    job_run(job_id)
    chunks = list(TranscriptionChunk.objects.filter(job_id=job_id).order_by("index"))
    chunk_run(chunks[0].pk, 1)
    # A worker takes chunk 1 and dies: its lease runs out with nobody renewing it.
    TranscriptionChunk.objects.filter(pk=chunks[1].pk).update(
        status=ChunkStatus.PROCESSING, attempts=1, lease_expires_at="2000-01-01T00:00:00Z"
    )
    assert jobs_recover_abandoned() == 1
    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.attempts) == (JobStatus.QUEUED, 1)

    drain(job_id)
    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.attempts) == (JobStatus.COMPLETED, 2)
    # Chunk 0 was not sent again; every other chunk once.
    assert len(upstream.requests) == len(chunks)
    assert TranscriptionChunk.objects.get(pk=chunks[0].pk).job_attempt == 1
    assert LedgerEntry.objects.filter(kind=EntryKind.CHARGE).count() == 1
    # Tasks of the first attempt that are still queued find nothing to do.
    chunk_run(chunks[2].pk, 1)
    assert len(upstream.requests) == len(chunks)


def test_short_audio_is_transcribed_whole(chunked, upstream, alice):
    job_id = upload(alice, model="openai").json()["id"]  # jfk: 11 s
    job_run(job_id)
    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.chunks_total) == (JobStatus.COMPLETED, 0)
    assert not TranscriptionChunk.objects.exists()


def test_deleting_a_job_mid_way_deletes_its_chunk_files(chunked, upstream, alice, tones):
    job_id = upload(alice, tones, model="openai").json()["id"]
    job_run(job_id)
    names = [str(c.media.name) for c in TranscriptionChunk.objects.filter(job_id=job_id)]
    assert names
    assert all(default_storage.exists(name) for name in names)

    assert alice.client().delete(f"/api/v1/transcribe/{job_id}/").status_code == 204
    assert not TranscriptionChunk.objects.exists()
    assert not any(default_storage.exists(name) for name in names)
