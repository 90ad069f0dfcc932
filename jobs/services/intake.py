"""Turning an uploaded file into a priced, held, queued job — or into nothing at all."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction

from accounts.models import ApiKey, Organization, User
from billing.pricing import priced_options
from billing.selectors import available_credits
from billing.services import InsufficientCredits, hold_place
from jobs.errors import FileTooLarge, InvalidJobRequest, UnsupportedMediaError
from jobs.media.decode import decodable_duration
from jobs.media.probe import MediaInfo, UnsupportedMedia, probe
from jobs.models import JobTask, JobType, TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.organization_data.defaults import job_vocabulary, options_with_organization_defaults
from jobs.routing import Route, route_plan, route_price
from jobs.translation.services.ordering import (
    TranslationEstimate,
    translation_estimate,
    translation_order_check,
)
from lib.queue import enqueue_not_before

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
    # Seconds to transcribe and bill: the media's length, or its from/till stretch.
    seconds: float
    credits: Decimal
    media: MediaInfo
    route: Route | None = None
    trim_start: float = 0.0
    trim_end: float | None = None
    # The translation ordered with it (``translate_to``), priced on estimated words.
    translation: TranslationEstimate | None = None

    @property
    def total(self) -> Decimal:
        """What the order holds: the transcription and its translation."""
        return self.credits + (self.translation.credits if self.translation else Decimal("0"))

    @property
    def work(self) -> str:
        """The order, as the insufficient-credits sentence names it."""
        return "transcription with its translation" if self.translation else "transcription"


def max_upload_bytes() -> int:
    return int(settings.HARK_MAX_UPLOAD_MB) * 1024 * 1024


def ensure_size_allowed(size: int) -> None:
    if size > max_upload_bytes():
        raise FileTooLarge(
            f"This file is larger than the {settings.HARK_MAX_UPLOAD_MB} MB limit. "
            "Split it or compress it (e.g. to MP3 or Opus) and try again."
        )


def media_quote(*, path: Path, options: TranscriptionOptions, route: Route | None = None) -> Quote:
    """Probe the file and price it for the providers that would serve ``options`` (or
    ``route``, when they were chosen already: the dearest of them when routing may fall
    back), after from/till trimming."""
    route = route or route_plan(options)
    try:
        media = probe(path)
        # A truncated file's header still promises the whole recording: price what decodes.
        media = replace(media, duration=decodable_duration(path, media.duration))
    except UnsupportedMedia as exc:
        raise UnsupportedMediaError(exc.message) from None
    trim_start, trim_end = trimmed_span(options, media.duration)
    seconds = (media.duration if trim_end is None else trim_end) - trim_start
    cap = settings.HARK_MAX_DURATION_SECONDS
    if seconds > cap:
        raise InvalidJobRequest(
            f"This recording is {seconds / 60:.0f} minutes long; the limit is "
            f"{cap / 60:.0f} minutes. Split it into shorter files."
        )
    summary = options.summary or options.job_type == JobType.SUMMARY
    extras = priced_options(diarization=options.diarization, summary=summary)
    credits = route_price(route, seconds, options=extras)
    translation = (
        translation_estimate(
            source=transcript_language(options, route), to_language=options.translate_to,
            seconds=seconds,
        )
        if options.translate_to
        else None
    )  # fmt: skip
    return Quote(
        route.engine, route.language, seconds, credits, media, route, trim_start, trim_end,
        translation,
    )  # fmt: skip


def transcript_language(options: TranscriptionOptions, route: Route) -> str:
    """The language the transcript will be in ("" = whatever is detected): English when
    the engine translates the speech (task=translate), else the language spoken."""
    return "en" if options.task == JobTask.TRANSLATE else route.language


def translation_check(options: TranscriptionOptions) -> None:
    """Refuse a ``translate_to`` nothing could serve before any media is fetched; the
    full check is repeated with the price in ``media_quote``."""
    if options.translate_to:
        translation_order_check(
            transcript_language(options, route_plan(options)), options.translate_to
        )


def trimmed_span(options: TranscriptionOptions, duration: float) -> tuple[float, float | None]:
    """GoTranscript's from/till against the media's real length: (start, end or None)."""
    start = options.trim_start or 0.0
    end = options.trim_end
    if start < 0 or (end is not None and end < 0):
        raise InvalidJobRequest("from and till are seconds from the start, never negative.")
    if end is not None and end <= start:
        raise InvalidJobRequest("till must be later than from.")
    if start >= duration:
        raise InvalidJobRequest(
            f"from is {start:g} seconds, but the recording is only {duration:.1f} seconds long."
        )
    if end is not None and end >= duration:
        end = None  # up to the end: nothing to trim there
    return start, end


@dataclass(frozen=True)
class AdmittedMedia:
    """Media measured, priced and stored under its job's key: what a job is made of."""

    quote: Quote
    stored_name: str
    size: int
    filename: str

    @property
    def route(self) -> Route:
        """The providers the job was priced for."""
        quote = self.quote
        return quote.route or Route(quote.engine, (quote.engine,), quote.language)

    def job_fields(self, *, paid_by: str = "") -> dict[str, Any]:
        """The job's columns that come from the media and its price."""
        quote = self.quote
        return {
            "engine": quote.engine,
            "language": quote.language,
            "media": self.stored_name,
            "original_filename": Path(self.filename).name[:255],
            "media_format": f"{quote.media.container}/{quote.media.codec}"[:40],
            "size_bytes": self.size,
            "duration_seconds": quote.seconds,
            "estimated_credits": Decimal("0") if paid_by else quote.credits,
            "translate_to": quote.translation.to_language if quote.translation else "",
            "translation_credits": (
                quote.translation.credits if quote.translation and not paid_by else Decimal("0")
            ),
            "route": list(self.route.providers),
            "trim_start": quote.trim_start,
            "trim_end": quote.trim_end,
        }


def requested_fields(options: TranscriptionOptions, route: Route) -> dict[str, Any]:
    """The job's columns that say what the customer asked for (with the organization's
    vocabulary when ``route`` has a provider that takes it)."""
    return {
        "job_type": options.job_type,
        "diarization": options.diarization,
        "timestamps": options.timestamps,
        "word_timestamps": options.word_timestamps,
        "summary_requested": options.summary or options.job_type == JobType.SUMMARY,
        "vocabulary": job_vocabulary(options, route.providers),
        "prompt": options.prompt,
        "task": options.task,
        "max_speakers": options.max_speakers,
        "webhook_url": options.webhook_url,
        "prefer": options.prefer,
    }


@contextmanager
def media_admitted(
    *,
    organization: Organization,
    job_id: uuid.UUID,
    path: Path,
    filename: str,
    options: TranscriptionOptions,
    route: Route | None = None,
    paid_by: str = "",
) -> Iterator[AdmittedMedia]:
    """Check the size, probe, price (for ``route``, or the one ``options`` plan), take
    the wallet's early look and store the media under the job's key; the stored file is
    removed if the block raises.

    The early look is unlocked, so a file the wallet cannot pay for is never copied into
    storage; ``quote_hold`` decides under the lock. The media is stored before the
    caller's transaction, so the wallet row is locked only for the hold and the commit,
    never for a file copy.
    """
    size = path.stat().st_size
    ensure_size_allowed(size)
    quote = media_quote(path=path, options=options, route=route)
    available = available_credits(organization)
    if not paid_by and quote.total > available:
        raise InsufficientCredits(
            available=max(available, Decimal("0")), required=quote.total, work=quote.work
        )
    extension = CONTAINER_EXTENSIONS.get(quote.media.container, "bin")
    key = f"org/{organization.pk}/{job_id}.{extension}"
    stored_name: str | None = None
    try:
        with path.open("rb") as handle:
            stored_name = default_storage.save(key, File(handle))
        yield AdmittedMedia(quote, stored_name, size, filename)
    except BaseException:
        if stored_name:
            default_storage.delete(stored_name)
        raise


def quote_hold(*, organization: Organization, job: TranscriptionJob, quote: Quote) -> None:
    """One hold for the whole order; completing the job settles it and holds the
    translation's share anew (jobs.translation.services.follow_up)."""
    hold_place(
        organization=organization,
        amount=quote.total,
        reference=job.billing_reference,
        work=quote.work,
    )


def job_create(
    *,
    organization: Organization,
    path: Path,
    filename: str,
    options: TranscriptionOptions,
    created_by: User | None = None,
    api_key: ApiKey | None = None,
    source_url: str = "",
    paid_by: str = "",
) -> TranscriptionJob:
    """Probe, price, hold credits, store the media and queue the work, all or nothing.

    ``paid_by`` names the hold of an order that pays for this job (``orders``): the job
    then holds nothing, and the order places its hold in the caller's transaction.

    The hold, the job row and the queued task share one transaction (the ORM broker
    writes the task to the same database), so a job is never queued without its hold
    nor held without being queued. The stored media file is removed if anything fails
    (``media_admitted``); the hold is placed last, so the wallet row is locked only for
    the hold and the commit.
    """
    options = options_with_organization_defaults(options, organization)
    job_id = uuid.uuid4()
    with (
        media_admitted(
            organization=organization,
            job_id=job_id,
            path=path,
            filename=filename,
            options=options,
            paid_by=paid_by,
        ) as media,
        transaction.atomic(),
    ):
        job = TranscriptionJob(
            id=job_id,
            organization=organization,
            created_by=created_by if created_by and created_by.pk else None,
            api_key=api_key,
            source_url=source_url,
            paid_by=paid_by,
            **requested_fields(options, media.route),
            **media.job_fields(paid_by=paid_by),
        )
        job.save(force_insert=True)
        job_enqueue(job)
        if not paid_by:
            quote_hold(organization=organization, job=job, quote=media.quote)
    return job


def job_enqueue(job: TranscriptionJob, *, not_before: datetime | None = None) -> None:
    """Queue the job's task, for now or (a retry) not before ``not_before``.

    Runs inside the caller's transaction: the ORM broker's row commits with the job."""
    enqueue_not_before(
        "jobs.tasks.transcribe_job",
        str(job.id),
        not_before=not_before,
        task_name=f"transcribe {job.id}",
    )
