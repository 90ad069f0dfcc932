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
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from jobs.engines import engine_info
from jobs.engines.base import (
    Deferred,
    EngineInfo,
    ProviderError,
    Segment,
    TranscriptionRequest,
    TranscriptionResult,
    main_language,
)
from jobs.media.chunking import cut_at_silences
from jobs.media.storage import local_media
from jobs.models import (
    ChunkStatus,
    JobStatus,
    TranscriptionChunk,
    TranscriptionJob,
)
from jobs.routing import Collected, Route, route_transcribe
from jobs.services.attempts import attempt_recorder
from jobs.services.callbacks import job_callbacks
from jobs.services.speaker_linking import chunk_speakers_link
from jobs.services.stitching import segment_from_json, segment_on_timeline
from jobs.services.worker import (
    CRASH_MESSAGE,
    Claim,
    JobLost,
    Throttled,
    due,
    job_complete,
    job_fail,
    job_heartbeat,
    job_route,
    kept_alive,
    lease_deadline,
    mine,
    retry_time,
)
from lib.queue import enqueue_not_before

logger = logging.getLogger(__name__)

FINISHED_CHUNKS = (ChunkStatus.COMPLETED, ChunkStatus.SKIPPED)


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
        _chunks_resume(claim)
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
                rows.append(
                    TranscriptionChunk(
                        job=job, index=cut.index, start=cut.start, end=cut.end, media=name,
                        status=ChunkStatus.QUEUED if name else ChunkStatus.SKIPPED,
                        job_attempt=claim.attempt,
                    )
                )  # fmt: skip
        skipped = sum(1 for row in rows if row.status == ChunkStatus.SKIPPED)
        with transaction.atomic():
            alive = TranscriptionJob.objects.filter(mine(claim)).update(
                chunks_total=len(rows),
                chunks_done=skipped,
                progress=min(99, skipped * 100 // max(len(rows), 1)),
                lease_expires_at=None,
            )
            if not alive:
                raise JobLost()
            TranscriptionChunk.objects.bulk_create(rows)
            queued = TranscriptionChunk.objects.filter(job=job, status=ChunkStatus.QUEUED)
            for chunk_id in queued.values_list("pk", flat=True):
                chunk_enqueue(chunk_id, claim.attempt)
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise
    logger.info("job %s: %d chunks, %d silent", job.pk, len(rows), skipped)
    if skipped == len(rows):
        chunks_finish(str(job.pk), claim.attempt)


def _chunks_resume(claim: Claim) -> None:
    job = claim.job
    with transaction.atomic():
        if not TranscriptionJob.objects.filter(mine(claim)).update(lease_expires_at=None):
            raise JobLost()
        unfinished = TranscriptionChunk.objects.filter(job=job).exclude(status__in=FINISHED_CHUNKS)
        chunk_ids = list(unfinished.values_list("pk", flat=True))
        unfinished.update(
            status=ChunkStatus.QUEUED,
            job_attempt=claim.attempt,
            attempts=0,
            lease_expires_at=None,
            retry_at=None,
            parked_reference="",
        )
        for chunk_id in chunk_ids:
            chunk_enqueue(chunk_id, claim.attempt)
    logger.info("job %s attempt %d: %d chunks re-queued", job.pk, claim.attempt, len(chunk_ids))
    if not chunk_ids:
        chunks_finish(str(job.pk), claim.attempt)


def chunk_enqueue(chunk_id: int, job_attempt: int, *, not_before: datetime | None = None) -> None:
    # Inside the caller's transaction, like job_enqueue.
    enqueue_not_before(
        "jobs.tasks.transcribe_chunk",
        chunk_id,
        job_attempt,
        not_before=not_before,
        task_name=f"chunk {chunk_id}",
    )


def chunk_ours(chunk_id: int, job_attempt: int) -> Q:
    """The chunk, as long as it is still the work of this job attempt."""
    return Q(
        pk=chunk_id,
        status=ChunkStatus.PROCESSING,
        job_attempt=job_attempt,
        job__status=JobStatus.PROCESSING,
        job__attempts=job_attempt,
    )


def chunk_waiting(chunk_id: int, job_attempt: int, now: datetime) -> Q:
    """The chunk, queued for this job attempt and due: a worker may start it now."""
    return Q(
        due(now),
        pk=chunk_id,
        status=ChunkStatus.QUEUED,
        job_attempt=job_attempt,
        attempts__lt=settings.HARK_JOB_MAX_ATTEMPTS,
        job__status=JobStatus.PROCESSING,
        job__attempts=job_attempt,
    )


def chunk_run(chunk_id: int, job_attempt: int) -> None:
    """Transcribe one chunk; safe to call any number of times for the same chunk."""
    claimed = TranscriptionChunk.objects.filter(
        chunk_waiting(chunk_id, job_attempt, timezone.now())
    ).update(
        status=ChunkStatus.PROCESSING,
        attempts=F("attempts") + 1,
        lease_expires_at=lease_deadline(),
        retry_at=None,
    )
    if not claimed:
        logger.info("chunk %s is not claimable; skipping", chunk_id)
        return
    chunk = TranscriptionChunk.objects.select_related("job").get(pk=chunk_id)
    chunk_transcribe(chunk, job_attempt)


def chunk_transcribe(
    chunk: TranscriptionChunk, job_attempt: int, *, resume: Collected | None = None
) -> None:
    """Transcribe a claimed chunk through its job's route (or, with ``resume``, on from
    the provider it was parked with) and settle it: stored, parked, retried, or the job
    failed."""
    job = chunk.job
    route = job_route(job)

    def renew() -> None:
        alive = TranscriptionChunk.objects.filter(chunk_ours(chunk.pk, job_attempt)).update(
            lease_expires_at=lease_deadline()
        )
        if not alive:
            raise JobLost()

    try:
        with local_media(chunk.media.name or "") as path, kept_alive(renew) as guard:
            result = route_transcribe(
                route,
                chunk_request(job, path),
                guard.progress(Throttled(lambda _: renew())),
                record=attempt_recorder(job, chunk_index=chunk.index),
                resume=resume,
            )
            guard.check()
    except Deferred as deferred:
        from jobs.services.parked import chunk_park  # parked builds on this module

        chunk_park(chunk, job_attempt, deferred)
        return
    except JobLost:
        logger.info("chunk %s: job %s was canceled or taken over", chunk.pk, job.pk)
        return
    except ProviderError as exc:
        if exc.permanent or chunk.attempts >= settings.HARK_JOB_MAX_ATTEMPTS:
            job_fail(job, exc.message, attempt=job_attempt)
        else:
            _chunk_requeue(chunk.pk, job_attempt, retry_time(chunk.attempts, exc.retry_after))
        return
    except Exception:
        logger.exception("chunk %s of job %s crashed", chunk.pk, job.pk)
        job_fail(job, CRASH_MESSAGE, attempt=job_attempt)
        return
    if _chunk_store(chunk, job_attempt, result):
        _progress_count(job, job_attempt)


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


def _chunk_requeue(chunk_id: int, job_attempt: int, retry_at: datetime) -> None:
    with transaction.atomic():
        requeued = TranscriptionChunk.objects.filter(chunk_ours(chunk_id, job_attempt)).update(
            status=ChunkStatus.QUEUED, lease_expires_at=None, retry_at=retry_at
        )
        if requeued:
            chunk_enqueue(chunk_id, job_attempt, not_before=retry_at)


def _chunk_store(chunk: TranscriptionChunk, job_attempt: int, result: TranscriptionResult) -> bool:
    segments = [segment_on_timeline(s, chunk.start, chunk.end) for s in result.segments]
    stored = TranscriptionChunk.objects.filter(chunk_ours(chunk.pk, job_attempt)).update(
        status=ChunkStatus.COMPLETED,
        segments=[s for s in segments if s["text"]],
        provider=result.engine,
        language=result.language,
        lease_expires_at=None,
    )
    return bool(stored)


def _progress_count(job: TranscriptionJob, job_attempt: int) -> None:
    # Counted after our own update has committed, so of two chunks finishing at once at
    # least the later one sees both done (one stitches; job_complete lets only one win).
    done = TranscriptionChunk.objects.filter(job=job, status__in=FINISHED_CHUNKS).count()
    total = job.chunks_total or 1
    TranscriptionJob.objects.filter(
        pk=job.pk, status=JobStatus.PROCESSING, attempts=job_attempt
    ).update(chunks_done=done, progress=min(99, done * 100 // total))
    if done >= total:
        chunks_finish(str(job.pk), job_attempt)


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
