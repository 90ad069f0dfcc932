"""Placing a GoTranscript-style order: checked, fetched, probed, priced, then (live)
stored with its job and its hold in one transaction; in ``mode=test`` priced only.

The media goes through jobs' own intake (``media_fetch`` behind the SSRF guard, the
probe and from/till trimming of ``media_quote``, ``job_create``), so an order is the
same job any upload is; the order's price replaces the job's (``paid_by``).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, Organization
from accounts.permissions import ActorLike, Capability, require
from billing.selectors import available_credits
from billing.services import InsufficientCredits, hold_place
from jobs.errors import InvalidJobRequest, JobError
from jobs.models import JobTask
from jobs.options import TranscriptionOptions
from jobs.services.intake import job_create, media_quote
from jobs.services.url_intake import UrlIntakeFailed, media_fetch
from orders import languages
from orders.customer_transcripts import transcript_file_text
from orders.models import REVIEWED_TYPES, Order, OrderType
from orders.pricing import OrderPrice, order_price
from orders.services.callbacks import callback_url_check
from orders.services.documents import document_order_create, document_quote

TEXT_FORMATS = ("clean_verbatim", "full_verbatim")
TIMESTAMPING = (
    "not_required", "every_10_seconds", "every_30_seconds", "every_2_minutes", "change_of_speaker",
)  # fmt: skip
# GoTranscript's number_of_speakers → the most speakers diarization tells apart.
SPEAKERS: dict[str, int | None] = {"1_or_2": 2, "3_or_more": None}
# Machine-made orders are promised within this, whatever their length (a queue can wait).
AUTOMATIC_DELIVERY = timedelta(hours=1)
# Orders that bring their own transcript: its text is aligned to the audio (JobTask.ALIGN)
# instead of transcribed.
KNOWN_TEXT_TYPES = frozenset({OrderType.FORCED_ALIGNMENT, OrderType.TRANSCRIPTION_PROOFREADING})
# GoTranscript: "audio files of up to 1 hour in length are currently accepted per request".
FORCED_ALIGNMENT_MAX_SECONDS = 3600


@dataclass(frozen=True)
class OrderRequest:
    """An order as GoTranscript's parameters name it (already typed by the API)."""

    type: str
    mode: str
    url: str
    language: str = ""
    translate_from: str = ""
    translate_to: str = ""
    comment: str = ""
    trim_from: float | None = None
    trim_till: float | None = None
    text_format: str = "clean_verbatim"
    timestamping: str = "not_required"
    turnaround_time: str = languages.DEFAULT_TURNAROUND
    number_of_speakers: str = "1_or_2"
    callback_url: str = ""
    # The customer's own transcript (forced alignment and proofreading orders).
    transcription_url: str = ""
    # Proofreading: captions too.
    captions: bool = False


@dataclass(frozen=True)
class OrderQuote:
    """What the API answers for both modes; ``order`` only for a live order."""

    mode: str
    price: OrderPrice
    in_wallet: Decimal
    delivery_estimate: datetime
    order: Order | None = None


def _choice(value: str, names: list[str], field: str) -> str:
    if value not in names:
        raise InvalidJobRequest(
            f"'{value}' is not an available {field}. Available values: {', '.join(names)}."
        )
    return value


def _language_names(order_type: str) -> list[str]:
    if order_type == OrderType.AUTOMATIC_TRANSCRIPTION:
        return languages.AUTOMATIC_LANGUAGES
    if order_type == OrderType.FORCED_ALIGNMENT:
        return languages.ALIGNMENT_LANGUAGES
    return languages.HUMAN_LANGUAGES


def order_check(request: OrderRequest) -> None:
    """GoTranscript's rules for the order's parameters; InvalidJobRequest names the
    value and what is allowed."""
    if request.mode not in ("test", "live"):
        raise InvalidJobRequest("mode must be test or live.")
    if request.type in (OrderType.SUBTITLES, OrderType.TRANSLATION):
        names = languages.TRANSLATION_LANGUAGES
        _choice(request.translate_from, names, "translate_from language")
        _choice(request.translate_to, names, "translate_to language")
    else:
        _choice(request.language, _language_names(request.type), "language")
    if request.type in REVIEWED_TYPES:
        _choice(request.text_format, list(TEXT_FORMATS), "text_format")
        _choice(request.timestamping, list(TIMESTAMPING), "timestamping")
        _choice(request.number_of_speakers, list(SPEAKERS), "number_of_speakers")
        _choice(request.turnaround_time, list(languages.TURNAROUNDS), "turnaround_time")
        offered = languages.turnarounds_for(request.language)
        if request.turnaround_time not in offered:
            raise InvalidJobRequest(
                f"turnaround_time {request.turnaround_time} is not offered for "
                f"{request.language}; it supports only {', '.join(offered)}."
            )
    if request.callback_url:
        callback_url_check(request.callback_url)


def job_options(request: OrderRequest, known_text: str = "") -> TranscriptionOptions:
    """The transcription job that makes the order's result (or its AI draft); for an
    order that brings its transcript, the job that aligns ``known_text``."""
    if request.type in KNOWN_TEXT_TYPES:
        return TranscriptionOptions(
            language=languages.code_for(request.language),
            # A transcript to proofread is checked against what is said first.
            task=JobTask.PROOFREAD
            if request.type == OrderType.TRANSCRIPTION_PROOFREADING
            else JobTask.ALIGN,
            prompt=known_text,
            word_timestamps=True,
        )
    if request.type == OrderType.SUBTITLES:
        source = languages.code_for(request.translate_from)
        target = languages.code_for(request.translate_to)
        return TranscriptionOptions(
            language=source,
            translate_to="" if target == source else target,
            trim_start=request.trim_from or 0.0,
            trim_end=request.trim_till,
        )
    reviewed = request.type in REVIEWED_TYPES
    return TranscriptionOptions(
        # An automatic transcription's language is the one the customer wants to read:
        # the speech's own is detected, and a different one translated once the
        # transcript exists (orders.services.automatic).
        language=""
        if request.type == OrderType.AUTOMATIC_TRANSCRIPTION
        else languages.code_for(request.language),
        # number_of_speakers is a hint to diarization, which human-quality orders get.
        diarization=reviewed,
        max_speakers=SPEAKERS.get(request.number_of_speakers) if reviewed else None,
        word_timestamps=True,
        trim_start=request.trim_from or 0.0,
        trim_end=request.trim_till,
    )


def delivery_estimate(request: OrderRequest, now: datetime) -> datetime:
    if request.type in REVIEWED_TYPES:
        return now + timedelta(hours=languages.TURNAROUND_HOURS[request.turnaround_time])
    return now + AUTOMATIC_DELIVERY


def order_place(
    *,
    organization: Organization,
    request: OrderRequest,
    actor: ActorLike,
    api_key: ApiKey | None = None,
    api_base_url: str = "",
) -> OrderQuote:
    """Price a media order and, in live mode, place it: the job, the order and its hold
    in one transaction. ``mode=test`` writes nothing at all. ``api_base_url``: the
    scheme and host the order came to, for its callback's links.

    Raises InvalidJobRequest / UrlIntakeFailed (400) for bad parameters or a URL that is
    not reachable media, InsufficientCredits when the wallet cannot pay.
    """
    require(actor, organization, Capability.JOBS_CREATE)
    order_check(request)
    now = timezone.now()
    if request.type == OrderType.TRANSLATION:
        return _document_order_place(organization, request, api_key, api_base_url, now)
    with tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as folder:
        known_text = _known_text_fetch(request, Path(folder))
        options = job_options(request, known_text)
        media_folder = Path(folder) / "media"
        media_folder.mkdir()
        media = media_fetch(request.url, media_folder)
        try:
            quote = media_quote(path=media.path, options=options)
        except JobError as exc:
            if exc.status in {413, 415}:
                raise UrlIntakeFailed(exc.message) from None
            raise
        if (
            request.type == OrderType.FORCED_ALIGNMENT
            and quote.seconds > FORCED_ALIGNMENT_MAX_SECONDS
        ):
            raise InvalidJobRequest(
                f"This recording is {quote.seconds / 60:.0f} minutes long; forced alignment "
                "takes audio of up to 1 hour per order. Split it and order each part."
            )
        price = order_price(
            request.type,
            seconds=quote.seconds,
            turnaround=request.turnaround_time,
            text_format=request.text_format,
        )
        available = available_credits(organization)
        estimate = delivery_estimate(request, now)
        if request.mode == "test":
            return OrderQuote("test", price, available, estimate)
        if price.total > available:
            raise InsufficientCredits(
                available=max(available, Decimal("0")), required=price.total, work="order"
            )
        reference = Order.new_hold_reference()
        with transaction.atomic():
            job = job_create(
                organization=organization,
                path=media.path,
                filename=media.filename,
                options=options,
                api_key=api_key,
                source_url=request.url,
                paid_by=reference,
            )
            order = Order.objects.create(
                organization=organization,
                api_key=api_key,
                type=request.type,
                transcription_job=job,
                language=request.language,
                translate_from=request.translate_from,
                translate_to=request.translate_to,
                turnaround_time=request.turnaround_time if request.type in REVIEWED_TYPES else "",
                text_format=request.text_format if request.type in REVIEWED_TYPES else "",
                timestamping=request.timestamping if request.type in REVIEWED_TYPES else "",
                number_of_speakers=(
                    request.number_of_speakers if request.type in REVIEWED_TYPES else ""
                ),
                captions=request.captions,
                comment=request.comment,
                trim_from=request.trim_from,
                trim_till=request.trim_till,
                source_url=request.url,
                callback_url=request.callback_url,
                api_base_url=api_base_url,
                seconds=price.seconds,
                order_total=price.total,
                hold_reference=reference,
                paid_at=now,
                delivery_estimate=estimate,
            )
            # Last, so the wallet row is locked only for the hold and the commit.
            hold_place(
                organization=organization, amount=price.total, reference=reference, work="order"
            )
    return OrderQuote("live", price, available_credits(organization), estimate, order)


def _document_order_place(
    organization: Organization,
    request: OrderRequest,
    api_key: ApiKey | None,
    api_base_url: str,
    now: datetime,
) -> OrderQuote:
    """A translation order: a document priced by its words, translated by machine."""
    quote = document_quote(request.url, request.translate_from, request.translate_to)
    price = order_price(OrderType.TRANSLATION, words=quote.words)
    estimate = delivery_estimate(request, now)
    if request.mode == "test":
        return OrderQuote("test", price, available_credits(organization), estimate)
    order = document_order_create(
        organization=organization,
        api_key=api_key,
        quote=quote,
        fields={
            "type": OrderType.TRANSLATION,
            "translate_from": request.translate_from,
            "translate_to": request.translate_to,
            "comment": request.comment,
            "source_url": request.url,
            "callback_url": request.callback_url,
            "api_base_url": api_base_url,
            "delivery_estimate": estimate,
        },
    )
    return OrderQuote("live", price, available_credits(organization), estimate, order)


def _known_text_fetch(request: OrderRequest, folder: Path) -> str:
    """The customer's transcript as text, one segment a line ("" for other orders),
    fetched through the same SSRF guard and size cap as the media."""
    if request.type not in KNOWN_TEXT_TYPES:
        return ""
    if not request.transcription_url:
        raise InvalidJobRequest("transcription_url is required: the URL of your transcript.")
    text_folder = folder / "transcript"
    text_folder.mkdir()
    fetched = media_fetch(request.transcription_url, text_folder)
    return transcript_file_text(fetched.path.read_bytes())
