"""Long audio in parallel: cut a job into chunks, one task per chunk, stitch at the end.

The job's task cuts the audio at silences (``jobs.media.chunking``), stores the chunks
and queues a task for each in one transaction, then lets go of the job (its lease is
cleared: the chunks' own leases say whether anyone is working). Each chunk task claims
its chunk with a conditional update, routes it like a whole job (fallbacks, circuit
breaker, attempts recorded with the chunk's index), stores its segments already moved
onto the media's timeline, and counts the chunks done into the job's progress. Whoever
finishes the last chunk stitches the segments in order and completes the job through
``job_complete``, which charges once however many try.

A chunk whose provider will call back is parked like a job (``jobs.services.parked``)
and stored when the callback resumes it. A failed chunk is retried alone, after a pause
on the jobs' retry schedule (its task waits on the broker, and claiming refuses it
sooner); a permanent failure fails the job. A worker lost mid-chunk leaves a chunk whose
lease runs out; the sweeper then gives the job back to the queue, and the next attempt
keeps the finished chunks and re-queues the rest.
"""

from __future__ import annotations

import logging
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from jobs.engines import engine_info
from jobs.engines.base import (
    EngineInfo,
    Segment,
    TranscriptionRequest,
    TranscriptionResult,
    main_language,
)
from jobs.lifecycle.chunk import (
    FINISHED_CHUNKS,
    chunk_claim,
    chunk_complete,
    chunk_renew_lease,
    chunk_settle,
    chunks_requeue_unfinished,
    job_chunks_counted,
    job_chunks_queue,
)
from jobs.lifecycle.transcription import Claim, job_complete, job_heartbeat
from jobs.media.chunking import cut_at_silences
from jobs.media.storage import local_media
from jobs.models import JobStatus, TranscriptionChunk, TranscriptionJob
from jobs.routing import Collected, Route, route_transcribe
from jobs.services.attempts import attempt_recorder
from jobs.services.callbacks import job_callbacks
from jobs.services.keepalive import Throttled, kept_alive
from jobs.services.speaker_linking import chunk_speakers_link
from jobs.services.stitching import segment_from_json, segment_on_timeline
from jobs.services.worker import job_route

logger = logging.getLogger(__name__)


def chunk_target_seconds(info: EngineInfo, *, diarized: bool = False) -> float:
    """How long a chunk may be for ``info``: short for our own CPUs, minutes upstream,
    and always small enough to fit the upstream's size and length limits as MP3.

    Diarized on our own CPUs, chunks are minutes long: each chunk's speakers are linked
    to the other chunks' by a voice print, and a speaker who says one sentence in a
    30-second chunk has too little speech for a print, so would stay a speaker apart.
    """
    if not info.upstream:
        if diarized:
            return float(settings.HARK_LOCAL_DIARIZED_CHUNK_SECONDS)
        return float(settings.HARK_LOCAL_CHUNK_SECONDS)
    target = info.chunk_seconds
    if info.max_duration_seconds:
        target = min(target, info.max_duration_seconds * 0.9)
    if info.max_upload_bytes:
        bytes_per_second = settings.HARK_UPSTREAM_KBPS * 1000 / 8
        target = min(target, info.max_upload_bytes / bytes_per_second * 0.8)
    return max(target, 10.0)


def should_chunk(job: TranscriptionJob, route: Route) -> bool:
    info = engine_info(route.primary)
    target = chunk_target_seconds(info, diarized=job.diarization)
    # Our own engines diarize each chunk and number its speakers afresh; stitching links
    # the chunks' speakers by voice (jobs.services.speaker_linking), as for upstreams, so
    # a long diarized recording still runs in parallel chunk tasks.
    if job.diarization and info.upstream:
        # Upstreams label speakers per request: only cut what cannot go in one.
        fits = (info.max_upload_bytes or float("inf")) / (settings.HARK_UPSTREAM_KBPS * 125)
        return job.duration_seconds > min(fits * 0.9, info.max_duration_seconds or float("inf"))
    return job.duration_seconds > target * 1.5


def chunks_start(claim: Claim, route: Route) -> None:
    """Cut the job into chunks and queue them; or, on a later attempt, re-queue the
    chunks that had not finished. Raises JobLost when the job is no longer ours."""
    job = claim.job
    if TranscriptionChunk.objects.filter(job=job).exists():
        requeued = chunks_requeue_unfinished(claim)
        logger.info("job %s attempt %d: %d chunks re-queued", job.pk, claim.attempt, requeued)
        if not requeued:
            chunks_finish(str(job.pk), claim.attempt)
        return
    target = chunk_target_seconds(engine_info(route.primary), diarized=job.diarization)
    beat = Throttled(lambda fraction: job_heartbeat(claim, fraction=fraction * 0.01))
    stored: list[str] = []
    rows: list[TranscriptionChunk] = []
    folder_key = f"org/{job.organization_id}/chunks/{job.pk}"
    try:
        with (
            local_media(job.media.name or "") as path,
            tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as folder,
        ):
            cuts = cut_at_silences(
                path, Path(folder), target=target, start=job.trim_start, end=job.trim_end,
                total=job.duration_seconds, on_progress=beat,
            )  # fmt: skip
            for cut in cuts:
                name = ""
                if cut.path is not None:
                    key = f"{folder_key}/{claim.attempt}-{cut.index:05d}.flac"
                    with cut.path.open("rb") as handle:
                        name = default_storage.save(key, File(handle))
                    stored.append(name)
                    cut.path.unlink()
                # A cut without a file was silent: the lifecycle creates it skipped.
                rows.append(
                    TranscriptionChunk(
                        job=job, index=cut.index, start=cut.start, end=cut.end, media=name
                    )
                )
        job_chunks_queue(claim, rows)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    skipped = sum(1 for row in rows if not row.media)
    logger.info("job %s: %d chunks, %d silent", job.pk, len(rows), skipped)
    if skipped == len(rows):
        chunks_finish(str(job.pk), claim.attempt)


def chunk_run(chunk_id: int, job_attempt: int) -> None:
    """Transcribe one chunk; safe to call any number of times for the same chunk."""
    chunk = chunk_claim(chunk_id, job_attempt)
    if chunk is None:
        logger.info("chunk %s is not claimable; skipping", chunk_id)
        return
    chunk_transcribe(chunk, job_attempt)


def chunk_transcribe(
    chunk: TranscriptionChunk, job_attempt: int, *, resume: Collected | None = None
) -> None:
    """Transcribe a claimed chunk through its job's route (or, with ``resume``, on from
    the provider it was parked with); the lifecycle settles how it ended (stored, parked,
    retried, or the job failed), and whoever stores the last chunk stitches the job."""
    job = chunk.job
    route = job_route(job)

    def renew() -> None:
        chunk_renew_lease(chunk.pk, job_attempt)

    def work() -> TranscriptionResult:
        with local_media(chunk.media.name or "") as path, kept_alive(renew) as guard:
            result = route_transcribe(
                route,
                chunk_request(job, path),
                guard.progress(Throttled(lambda _: renew())),
                record=attempt_recorder(job, chunk_index=chunk.index),
                resume=resume,
            )
            guard.check()
        return result

    result = chunk_settle(chunk, job_attempt, work)
    if result is None:
        return
    segments = [segment_on_timeline(s, chunk.start, chunk.end) for s in result.segments]
    stored = chunk_complete(
        chunk,
        job_attempt,
        segments=[s for s in segments if s["text"]],
        provider=result.engine,
        language=result.language,
    )
    if stored and job_chunks_counted(job, job_attempt):
        chunks_finish(str(job.pk), job_attempt)


def chunk_request(job: TranscriptionJob, path: Path) -> TranscriptionRequest:
    """What a chunk of ``job`` (its audio at ``path``) asks of a provider."""
    return TranscriptionRequest(
        path=path,
        language=job.language,
        diarization=job.diarization,
        word_timestamps=True,
        vocabulary=tuple(job.vocabulary),
        callbacks=job_callbacks(job),
        task=job.task,
        prompt=job.prompt,
        max_speakers=job.max_speakers,
    )


def chunks_finish(job_id: str, job_attempt: int) -> bool:
    """Stitch the chunks of a job whose chunks are all done and complete it."""
    job = TranscriptionJob.objects.filter(
        pk=job_id, status=JobStatus.PROCESSING, attempts=job_attempt
    ).first()
    if job is None:
        return False
    chunks = list(TranscriptionChunk.objects.filter(job=job).order_by("index"))
    if not chunks or any(c.status not in FINISHED_CHUNKS for c in chunks):
        return False
    primary = job_route(job).primary
    usage: dict[str, float] = defaultdict(float)
    languages: Counter[str] = Counter()
    by_chunk: list[list[Segment]] = []
    for chunk in chunks:
        # A silent chunk was "served" by the provider the job was planned for.
        usage[chunk.provider or primary] += chunk.seconds
        if chunk.language:
            languages[chunk.language] += round(chunk.seconds)
        by_chunk.append([segment_from_json(item) for item in chunk.segments])
    by_chunks = languages.most_common(1)[0][0] if languages else (job.language or "en")
    segments = chunk_speakers_link(job=job, chunks=by_chunk)
    # Chunks of a recording that switches languages each say theirs per segment.
    language = main_language(segments, fallback=by_chunks)
    result = TranscriptionResult(
        segments=segments,
        language=language,
        duration=round(sum(c.seconds for c in chunks), 3),
        engine=max(usage, key=lambda name: usage[name]),
    )
    completed = job_complete(Claim(job=job, attempt=job_attempt), result, usage=dict(usage))
    if completed:
        names = [c.media.name for c in chunks if c.media.name]
        transaction.on_commit(lambda: chunk_files_delete(names))
        TranscriptionChunk.objects.filter(job=job).update(media="")
    return completed


def chunk_files_delete(names: list[str]) -> None:
    for name in names:
        default_storage.delete(name)
