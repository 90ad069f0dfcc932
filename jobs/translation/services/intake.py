"""Ordering a translation: checked, priced, held and queued, all or nothing."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from decimal import ROUND_UP, Decimal

from django.db import transaction

from accounts.models import ApiKey, Organization, User
from billing.selectors import available_credits
from billing.services import InsufficientCredits, hold_place
from jobs.errors import InvalidJobRequest, JobConflict
from jobs.languages import language_name
from jobs.models import JobStatus
from jobs.selectors import job_get
from jobs.text.language import language_code
from jobs.transcripts.selectors import transcript_read
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
    if job.status != JobStatus.COMPLETED:
        raise JobConflict(
            f"This transcription is {job.status}; it can be translated once it completes."
        )
    view = transcript_read(job)
    if view is None:
        raise JobConflict("This transcription has no transcript to translate.")
    source = language_code(view.language or job.language)
    target = language_code(to_language)
    if not _LANGUAGE.match(target):
        raise InvalidJobRequest(
            f"to_language must be a language code such as 'fr', 'es' or 'de'; got '{to_language}'."
        )
    if target == source:
        raise InvalidJobRequest(
            f"This transcript is already in {language_name(source)}; choose another language."
        )
    route = translation_route(
        source, target, model=model or "auto", fallbacks=fallbacks, prefer=prefer
    )
    if webhook_url:
        webhook_url_check(webhook_url)
    words = len(view.text.split())
    # As for transcriptions, the hold covers the dearest translator the route may use;
    # the one that serves is charged.
    credits = max(translation_quote(words, name) for name in route)
    available = available_credits(organization)
    if credits > available:
        raise InsufficientCredits(
            available=max(available, Decimal("0")), required=credits, work="translation"
        )
    with transaction.atomic():
        translation = TranslationJob.objects.create(
            organization=organization,
            source_job=job,
            created_by=created_by if created_by and created_by.pk else None,
            api_key=api_key,
            from_language=source,
            to_language=target,
            engine=model or "auto",
            prefer=prefer,
            route=route,
            source_version=view.version,
            words=words,
            webhook_url=webhook_url,
            estimated_credits=credits,
        )
        enqueue_not_before(
            "jobs.translation.tasks.translate",
            str(translation.id),
            not_before=None,
            task_name=f"translate {translation.id}",
        )
        hold_place(
            organization=organization, amount=credits, reference=translation.billing_reference
        )
    return translation


def estimated_wait_seconds(translation: TranslationJob) -> int:
    # Apertium manages a few thousand words a second; upstreams are slower. A guess
    # for Gumzo's field, not a promise.
    return max(5, math.ceil(translation.words / 200))
