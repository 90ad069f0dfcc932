"""Turning an uploaded file into a priced, held, queued job — or into nothing at all."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django_q.tasks import async_task

from accounts.models import ApiKey, Organization, User
from billing.pricing import price_for_seconds
from billing.services import hold_place
from jobs.errors import FileTooLarge, InvalidJobRequest, UnsupportedMediaError
from jobs.media.probe import MediaInfo, UnsupportedMedia, probe
from jobs.models import JobType, TranscriptionJob
from jobs.options import TranscriptionOptions, options_resolve_engine

logger = logging.getLogger(__name__)

# Extensions we store media under, by the container PyAV found (never the client's name).
CONTAINER_EXTENSIONS = {
    "mp3": "mp3", "wav": "wav", "flac": "flac", "ogg": "ogg", "matroska,webm": "webm",
    "mov,mp4,m4a,3gp,3g2,mj2": "m4a", "aac": "aac",
}  # fmt: skip


@dataclass(frozen=True)
class Quote:
    engine: str
    language: str
    seconds: float
    credits: Decimal
    media: MediaInfo


def max_upload_bytes() -> int:
    return int(settings.HARK_MAX_UPLOAD_MB) * 1024 * 1024


def ensure_size_allowed(size: int) -> None:
    if size > max_upload_bytes():
        raise FileTooLarge(
            f"This file is larger than the {settings.HARK_MAX_UPLOAD_MB} MB limit. "
            "Split it or compress it (e.g. to MP3 or Opus) and try again."
        )


def media_quote(*, path: Path, options: TranscriptionOptions) -> Quote:
    """Probe the file and price it for the engine that would serve ``options``."""
    engine, language = options_resolve_engine(options)
    try:
        media = probe(path)
    except UnsupportedMedia as exc:
        raise UnsupportedMediaError(exc.message) from None
    cap = settings.HARK_MAX_DURATION_SECONDS
    if media.duration > cap:
        raise InvalidJobRequest(
            f"This recording is {media.duration / 60:.0f} minutes long; the limit is "
            f"{cap / 60:.0f} minutes. Split it into shorter files."
        )
    credits = price_for_seconds(media.duration, engine=engine.name)
    return Quote(engine.name, language, media.duration, credits, media)


def job_create(
    *,
    organization: Organization,
    path: Path,
    filename: str,
    options: TranscriptionOptions,
    created_by: User | None = None,
    api_key: ApiKey | None = None,
) -> TranscriptionJob:
    """Probe, price, hold credits, store the media and queue the work, all or nothing.

    The hold, the job row and the queued task share one transaction (the ORM broker
    writes the task to the same database), so a job is never queued without its hold
    nor held without being queued. The stored media file is removed if anything fails.
    """
    ensure_size_allowed(path.stat().st_size)
    quote = media_quote(path=path, options=options)
    job_id = uuid.uuid4()
    extension = CONTAINER_EXTENSIONS.get(quote.media.container, "bin")
    key = f"org/{organization.pk}/{job_id}.{extension}"
    stored_name: str | None = None
    try:
        with transaction.atomic():
            job = TranscriptionJob(
                id=job_id,
                organization=organization,
                created_by=created_by if created_by and created_by.pk else None,
                api_key=api_key,
                engine=quote.engine,
                language=quote.language,
                job_type=options.job_type,
                diarization=options.diarization,
                timestamps=options.timestamps,
                word_timestamps=options.word_timestamps,
                summary_requested=options.summary or options.job_type == JobType.SUMMARY,
                vocabulary=list(options.vocabulary),
                webhook_url=options.webhook_url,
                original_filename=Path(filename).name[:255],
                media_format=f"{quote.media.container}/{quote.media.codec}"[:40],
                size_bytes=path.stat().st_size,
                duration_seconds=quote.media.duration,
                estimated_credits=quote.credits,
            )
            hold_place(
                organization=organization,
                amount=job.estimated_credits,
                reference=job.billing_reference,
            )
            with path.open("rb") as handle:
                stored_name = default_storage.save(key, File(handle))
            job.media.name = stored_name
            job.save(force_insert=True)
            job_enqueue(job)
    except BaseException:
        if stored_name:
            default_storage.delete(stored_name)
        raise
    return job


def job_enqueue(job: TranscriptionJob) -> None:
    # Runs inside the caller's transaction: the ORM broker's row commits with the job.
    async_task("jobs.tasks.transcribe_job", str(job.id), task_name=f"transcribe {job.id}")
