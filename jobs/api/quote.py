"""Prices before ordering: ``POST /api/v1/quote/`` and ``mode=test`` on the transcribe
endpoints (GoTranscript's test mode). The file is probed and priced exactly as an
order would be; nothing is stored, held or charged."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import Organization
from accounts.permissions import Capability
from billing.selectors import available_credits
from config.api import OrganizationApiView
from config.api_schema import AUTHENTICATION_FAILED, error_response
from config.uploads import CappedUploadMixin
from jobs.api.schema import QuoteOutput
from jobs.api.serializers import TranscribeUploadInput
from jobs.errors import InvalidJobRequest
from jobs.models import TranscriptionJob
from jobs.organization_data.defaults import options_with_organization_defaults
from jobs.services.estimates import (
    DEFAULT_REAL_TIME_FACTOR,
    REAL_TIME_FACTOR,
    estimated_wait_seconds,
)
from jobs.services.intake import Quote, ensure_size_allowed, media_quote
from jobs.translation.services.ordering import TranslationEstimate

QUOTE_EXAMPLE = {
    "mode": "test", "status": "success", "model": "local", "language": "en",
    "estimated_credits": 0.19, "order_total": 0.19, "seconds": 11, "duration_seconds": 11.0,
    "in_wallet": 59.81, "sufficient_credits": True, "estimated_wait": 6,
    "delivery_estimate": "2026-11-21 16:23:01",
}  # fmt: skip
TRANSLATION_QUOTE_EXAMPLE = {
    **QUOTE_EXAMPLE, "order_total": 0.23, "sufficient_credits": True,
    "translation": {"to_language": "es", "from_language": "en", "estimated_words": 33,
                    "words_per_minute": 180, "translator": "apertium",
                    "price_per_word": 0.001, "estimated_credits": 0.04},
}  # fmt: skip
QUOTE_SCHEMA: dict[str, Any] = {
    "summary": "Price a file without ordering",
    "description": (
        "The same fields as `POST /api/v1/transcribe/`. Answers what the job would cost "
        "(`order_total` credits for `seconds` of audio), what you have (`in_wallet`) and "
        "when it would be done (`delivery_estimate`, UTC). Nothing is stored or charged. "
        "With `translate_to`, `translation` prices the translation ordered with it: "
        "`estimated_words` (the minutes of audio times `words_per_minute`), the "
        "`translator` and its `price_per_word`, and its `estimated_credits`, which is "
        "the most it will cost; `estimated_credits` at the top is the transcription's "
        "and `order_total` the two together, which is what ordering holds. "
        "`from_language` is null while the spoken language is to be detected."
    ),
    "request": {"multipart/form-data": TranscribeUploadInput},
    "examples": [
        OpenApiExample(
            "Transcription plus translation into Spanish",
            value={"file": "jfk.flac", "language": "en", "translate_to": "es"},
            request_only=True,
            media_type="multipart/form-data",
        )
    ],
    "responses": {
        200: OpenApiResponse(QuoteOutput, description="The price", examples=[
            OpenApiExample("quote", value=QUOTE_EXAMPLE),
            OpenApiExample("with translate_to", value=TRANSLATION_QUOTE_EXAMPLE)]),
        400: error_response("No file, or an option no engine can serve", (
            "invalid_request", "Attach the audio as a multipart form field named 'file'.")),
        413: error_response("Over the size cap", (
            "file_too_large", "This file is larger than the 500 MB limit.")),
        415: error_response("Not audio", (
            "unsupported_media", "This file is not audio we can read.")),
        401: AUTHENTICATION_FAILED,
    },
}  # fmt: skip


def quote_delivery_seconds(quote: Quote) -> int:
    """The queue ahead plus the file's own processing time, spread over the workers."""
    ahead = estimated_wait_seconds(TranscriptionJob(engine=quote.engine))
    factor = REAL_TIME_FACTOR.get(quote.engine, DEFAULT_REAL_TIME_FACTOR)
    return ahead + math.ceil(quote.seconds * factor / max(1, settings.HARK_WORKERS))


def quote_output(organization: Organization, quote: Quote) -> dict[str, Any]:
    in_wallet = available_credits(organization)
    wait = quote_delivery_seconds(quote)
    delivery = timezone.now() + timedelta(seconds=wait)
    body: dict[str, Any] = {
        "mode": "test",
        "status": "success",
        "model": quote.engine,
        "language": quote.language,
        # The transcription's price; order_total adds the translation's, if ordered.
        "estimated_credits": float(quote.credits),
        "order_total": float(quote.total),
        "seconds": round(quote.seconds),
        "duration_seconds": round(quote.seconds, 3),
        "in_wallet": float(in_wallet),
        "sufficient_credits": in_wallet >= quote.total,
        "estimated_wait": wait,
        "delivery_estimate": delivery.strftime("%Y-%m-%d %H:%M:%S"),
    }
    if quote.translation is not None:
        body["translation"] = translation_estimate_output(quote.translation)
    return body


def translation_estimate_output(estimate: TranslationEstimate) -> dict[str, Any]:
    return {
        "to_language": estimate.to_language,
        # None while the spoken language is to be detected.
        "from_language": estimate.from_language or None,
        "estimated_words": estimate.words,
        "words_per_minute": estimate.words_per_minute,
        "translator": estimate.translator,
        "price_per_word": float(estimate.price_per_word),
        "estimated_credits": float(estimate.credits),
    }


def upload_quote(organization: Organization, payload: TranscribeUploadInput) -> dict[str, Any]:
    """Price a validated upload; used by the quote endpoint and by ``mode=test``."""
    upload = payload.validated_data["file"]
    path = Path(upload.temporary_file_path())
    ensure_size_allowed(path.stat().st_size)
    options = options_with_organization_defaults(payload.to_options(), organization)
    return quote_output(organization, media_quote(path=path, options=options))


class QuoteApi(CappedUploadMixin, OrganizationApiView):
    # A price, not a job; but it is the first step of submitting one.
    scopes = {"POST": Capability.JOBS_CREATE}
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(**QUOTE_SCHEMA)
    def post(self, request: Request) -> Response:
        payload = TranscribeUploadInput(data=self.uploaded_data(request))
        if "file" not in request.FILES:
            raise InvalidJobRequest("Attach the audio as a multipart form field named 'file'.")
        payload.is_valid(raise_exception=True)
        return Response(upload_quote(self.organization, payload))
