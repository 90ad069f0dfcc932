"""Ordering a translation: checked, priced, held and queued, all or nothing.

Two ways in share these steps: Gumzo's ``POST /translate/`` for a completed
transcription (``translation_create``), and a transcription ordered with
``translate_to``, whose translation is queued the moment its transcript is stored
(``jobs.translation.services.follow_up``).
"""

from __future__ import annotations

import math
import re
import uuid
from collections.abc import Sequence
from decimal import ROUND_UP, Decimal

from django.db import transaction

from accounts.models import ApiKey, Organization, User
from billing.selectors import available_credits
from billing.services import InsufficientCredits, hold_place
from jobs.errors import InvalidJobRequest
from jobs.languages import language_name
from jobs.models import JobStatus, TranscriptionJob
from jobs.selectors import job_get
from jobs.text.language import language_code
from jobs.transcripts.selectors import TranscriptView, transcript_read
from jobs.translation.models import TranslationJob
from jobs.translation.services.translators import price_per_word, translation_route
from lib.queue import enqueue_not_before
from webhooks.services import webhook_url_check

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
CENT = Decimal("0.01")


def translation_quote(words: int, translator: str) -> Decimal:
    """Credits for ``words`` source words, rounded up to the cent (never free)."""
    price = price_per_word(translator) * words
    return max(price.quantize(CENT, rounding=ROUND_UP), CENT if words else Decimal("0"))


def translation_target(to_language: str) -> str:
    """The base code of a target language ("es" for "es", "ES-mx" or "es_MX"); a 400
    for what is not shaped like a code."""
    target = language_code(to_language)
    if not _LANGUAGE.match(target):
        raise InvalidJobRequest(
            f"to_language must be a language code such as 'fr', 'es' or 'de'; got '{to_language}'."
        )
    return target


def route_quote(words: int, route: Sequence[str]) -> Decimal:
    """What to hold for ``words`` along ``route``: as for transcriptions, the dearest
    translator the route may use; the one that serves is charged."""
    return max(translation_quote(words, name) for name in route)


def translation_plan(
    source: str,
    target: str,
    *,
    model: str = "auto",
    fallbacks: Sequence[str] = (),
    prefer: str = "",
    audio_kept: bool = True,
) -> list[str]:
    """The translators that will take ``source`` → ``target``; a 400 naming what is
    possible when none can, or when there is nothing to translate."""
    if target == source:
        raise InvalidJobRequest(
            f"This transcript is already in {language_name(source)}; choose another language."
        )
    return translation_route(
        source,
        target,
        model=model or "auto",
        fallbacks=fallbacks,
        prefer=prefer,
        audio_kept=audio_kept,
    )


def translation_create(
    *,
    organization: Organization,
    job_id: object,
    to_language: str,
    model: str = "auto",
    fallbacks: Sequence[str] = (),
    prefer: str = "",
    webhook_url: str = "",
    created_by: User | None = None,
    api_key: ApiKey | None = None,
) -> TranslationJob:
    job = job_get(organization, job_id)
    # Gumzo documents `job_id` as the id of a *completed* transcription and has no 409:
    # any other job is an invalid parameter, answered as Gumzo would (400 invalid_request).
    if job.status != JobStatus.COMPLETED:
        raise InvalidJobRequest(
            f"This transcription is {job.status}; it can be translated once it completes."
        )
    view = transcript_read(job)
    if view is None:
        raise InvalidJobRequest("This transcription has no transcript to translate.")
    source = language_code(view.language or job.language)
    target = translation_target(to_language)
    route = translation_plan(
        source,
        target,
        model=model,
        fallbacks=fallbacks,
        prefer=prefer,
        audio_kept=job.media_deleted_at is None and bool(job.media),
    )
    if webhook_url:
        webhook_url_check(webhook_url)
    credits = route_quote(transcript_words(view), route)
    available = available_credits(organization)
    if credits > available:
        raise InsufficientCredits(
            available=max(available, Decimal("0")), required=credits, work="translation"
        )
    return translation_queue(
        job=job,
        view=view,
        source=source,
        target=target,
        route=route,
        credits=credits,
        engine=model or "auto",
        prefer=prefer,
        webhook_url=webhook_url,
        created_by=created_by,
        api_key=api_key,
    )


def transcript_words(view: TranscriptView) -> int:
    """What a translation is priced by: the source transcript's words."""
    return len(view.text.split())


def translation_queue(
    *,
    job: TranscriptionJob,
    view: TranscriptView,
    source: str,
    target: str,
    route: list[str],
    credits: Decimal,
    engine: str = "auto",
    prefer: str = "",
    webhook_url: str = "",
    created_by: User | None = None,
    api_key: ApiKey | None = None,
    translation_id: uuid.UUID | None = None,
) -> TranslationJob:
    """Create the translation of ``view``, queue its task and hold ``credits``, in one
    transaction (the ORM broker's task row commits with it); InsufficientCredits leaves
    nothing behind."""
    with transaction.atomic():
        translation = TranslationJob.objects.create(
            id=translation_id or uuid.uuid4(),
            organization=job.organization,
            source_job=job,
            created_by=created_by if created_by and created_by.pk else None,
            api_key=api_key,
            from_language=source,
            to_language=target,
            engine=engine,
            prefer=prefer,
            route=route,
            source_version=view.version,
            words=transcript_words(view),
            webhook_url=webhook_url,
            estimated_credits=credits,
        )
        enqueue_not_before(
            "jobs.translation.tasks.translate",
            str(translation.id),
            not_before=None,
            task_name=f"translate {translation.id}",
        )
        # Nothing to hold for a translation an order pays for (``paid_by``): its
        # capture then finds no hold and charges nothing.
        if credits > 0 or not job.paid_by:
            hold_place(
                organization=job.organization,
                amount=credits,
                reference=translation.billing_reference,
                work="translation",
            )
    return translation


def estimated_wait_seconds(translation: TranslationJob) -> int:
    # Apertium manages a few thousand words a second; upstreams are slower. A guess
    # for Gumzo's field, not a promise.
    return max(5, math.ceil(translation.words / 200))
