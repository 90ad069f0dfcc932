"""OpenAPI request bodies, answers and examples of the OpenAI-compatible speech routes
(``jobs.api.openai_compat``)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers

from config.api_schema import AUTHENTICATION_FAILED, error_response, ok_response
from jobs.api.docs import text_exports
from jobs.api.openai_events import KEEPALIVE_COMMENT, text_events
from jobs.api.schema import OpenAITextOutput


def speech_request(
    serializer: type[serializers.Serializer[Any]], file: str, examples: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """``extend_schema``'s request and its examples: each a form with ``file`` (named)."""
    return {
        "request": {"multipart/form-data": serializer},
        "examples": [
            OpenApiExample(name, value={"file": file, **fields}, request_only=True,
                           media_type="multipart/form-data")
            for name, fields in examples.items()
        ],
    }  # fmt: skip


def speech_responses(task: str, example_text: str) -> dict[Any, OpenApiResponse]:
    return {
        (200, "application/json"): ok_response(
            OpenAITextOutput,
            f"The {task} (json; verbose_json adds segments and words)",
            json={"text": example_text},
        ),
        (200, "text/plain"): ok_response(
            OpenApiTypes.STR, "response_format text, srt or vtt",
            **{name: text for name, text in text_exports(example_text).items() if name != "vtt"},
        ),
        (200, "text/event-stream"): ok_response(
            OpenApiTypes.STR,
            "stream=true: transcript.text.delta events, then transcript.text.done",
            stream=KEEPALIVE_COMMENT + "".join(text_events(example_text)),
        ),
        400: error_response(
            "A bad option, or one no engine can serve",
            ("invalid_request", "prefer must be one of quality, speed, cost."),
        ),
        402: error_response(
            "Not enough credits",
            ("insufficient_credits", "You have 0 credits remaining but this "
             "transcription requires 0.19 credits."),
        ),
        401: AUTHENTICATION_FAILED,
        504: error_response(
            "Still running when the wait ended",
            ("timeout", "The transcription is still running. Fetch it later from "
             "/api/v1/transcribe/550e8400-e29b-41d4-a716-446655440000/ (job id "
             "550e8400-e29b-41d4-a716-446655440000)."),
        ),
    }  # fmt: skip
