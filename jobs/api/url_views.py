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
    "status": "queued", "estimated_credits": 5.5, "estimated_wait": 30,
    "created_at": "2026-11-21T14:30:00Z",
}  # fmt: skip
URL_SCHEMA: dict[str, Any] = {
    "summary": "Transcribe audio or video from a URL",
    "description": (
        "A direct link to an audio or video file, or a page on an allowed video site "
        "(YouTube, Vimeo, SoundCloud). The same options as `POST /api/v1/transcribe/`. The "
        "media is fetched and priced before the job is created; a URL that is refused "
        "(private addresses), unreachable, too large or not media is a 400 and nothing "
        "is charged. `translate_to` orders a translation with it, as on the upload "
        "endpoint; a target nothing can serve is refused before anything is fetched."
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
        200: OpenApiResponse(
            JobCreatedOutput,
            description="Queued; the media is fetched by the worker",
            examples=[OpenApiExample("created", value=CREATED_EXAMPLE)],
        ),
        400: error_response(
            "A URL that is not allowed, or an option no engine can serve",
            ("invalid_request", "This URL points to a private address, which is not allowed."),
        ),
        402: error_response(
            "Not enough credits",
            (
                "insufficient_credits",
                "You have 0 credits remaining but this transcription requires 0.19 credits.",
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
        return Response(body, status=status.HTTP_200_OK)
