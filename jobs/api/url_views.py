"""``POST /api/v1/transcribe/url/``: AudioToTextAI's "Transcribe from URL" (JSON)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey, User
from accounts.permissions import Capability
from config.api import OrganizationApiView
from config.api_schema import AUTHENTICATION_FAILED, error_response
from config.idempotency import IdempotentPostMixin
from config.parsers import SafeJSONParser
from jobs.api.schema import JobCreatedOutput
from jobs.api.serializers import TranscriptionOptionsInput, job_created_output
from jobs.services.estimates import estimated_wait_seconds
from jobs.services.url_intake import job_create_from_url


class TranscribeUrlInput(TranscriptionOptionsInput):
    url = serializers.URLField(max_length=2000)


CREATED_EXAMPLE = {
    "id": "550e8400-e29b-41d4-a716-446655440000", "job_id": "550e8400-e29b-41d4-a716-446655440000",
    "status": "fetching", "estimated_credits": 0.0, "estimated_wait": 30,
    "created_at": "2026-11-21T14:30:00Z",
}  # fmt: skip
URL_SCHEMA: dict[str, Any] = {
    "summary": "Transcribe audio or video from a URL",
    "description": (
        "A direct link to an audio or video file, or a page on an allowed video site "
        "(YouTube, Vimeo, SoundCloud). The same options as `POST /api/v1/transcribe/`. "
        "The answer comes at once (202) with a job in `fetching`: a worker downloads the "
        "media, measures and prices it, holds the credits and moves the job to `queued` "
        "(`estimated_credits` is 0 until then). Poll `GET /api/v1/transcribe/{id}/` or "
        "subscribe to `job.failed`: a URL whose host resolves to a private address, or "
        "that is unreachable, too large, too long or not media, fails the job with a "
        "sentence that says why, and so does a wallet that cannot pay once the duration "
        "is known (the insufficient-credits sentence; no 402 is answered here). A failed "
        "or canceled fetching job is never charged. Options no engine can serve, a "
        "`translate_to` nothing can serve, and a URL refused by its form alone (not "
        "http(s), a private address written literally) are a 400 before anything is "
        "fetched."
    ),
    "request": {"application/json": TranscribeUrlInput},
    "examples": [
        OpenApiExample(
            "Translate a German podcast into English",
            value={"url": "https://example.com/podcast-de.mp3", "task": "translate"},
            request_only=True,
        ),
        OpenApiExample(
            "Transcribe a French talk and translate it into Spanish",
            value={
                "url": "https://example.com/talk-fr.mp3",
                "language": "fr",
                "translate_to": "es",
            },
            request_only=True,
        ),
    ],
    "responses": {
        202: OpenApiResponse(
            JobCreatedOutput,
            description="Accepted: the job is fetching; a worker downloads and prices it",
            examples=[OpenApiExample("created", value=CREATED_EXAMPLE)],
        ),
        400: error_response(
            "Not a URL, a URL refused by its form, or an option no engine can serve",
            ("invalid_request", "Enter a valid URL."),
            (
                "invalid_request",
                "This URL cannot be fetched. Requests only go to public internet "
                "addresses: 169.254.169.254 is a cloud metadata service.",
            ),
        ),
        401: AUTHENTICATION_FAILED,
    },
}


class TranscriptionFromUrlApi(IdempotentPostMixin, OrganizationApiView):
    scopes = {"POST": Capability.JOBS_CREATE}
    parser_classes = [SafeJSONParser, FormParser]

    @extend_schema(**URL_SCHEMA)
    def post(self, request: Request) -> Response:
        payload = TranscribeUrlInput(data=request.data)
        payload.is_valid(raise_exception=True)
        job = job_create_from_url(
            organization=self.organization,
            url=payload.validated_data["url"],
            options=payload.to_options(),
            created_by=request.user if isinstance(request.user, User) else None,
            api_key=request.auth if isinstance(request.auth, ApiKey) else None,
        )
        body = job_created_output(job, estimated_wait=estimated_wait_seconds(job))
        return Response(body, status=status.HTTP_202_ACCEPTED)
