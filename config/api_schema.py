"""Building blocks for documenting API routes with drf-spectacular.

Every response is a serializer (never ``OpenApiTypes.OBJECT``: a free-form object shows
in the docs as ``{"property1": null}`` and promises nothing), every error is
``ErrorOutput`` with the seeds' code in its example, and every example must validate
against its schema (tests/test_api_schema.py checks all of this for every route).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse
from rest_framework import serializers


class ErrorOutput(serializers.Serializer[Any]):
    """The one error shape of every API route (config/api_errors.py)."""

    error = serializers.CharField(
        help_text="A machine-readable code: invalid_request, authentication_failed, "
        "insufficient_credits, forbidden, not_found, conflict, file_too_large, "
        "unsupported_media, rate_limit_exceeded, server_error…"
    )
    message = serializers.CharField(help_text="A sentence a person understands.")


class CursorPageOutput(serializers.Serializer[Any]):
    """The links of a cursor-paginated list; subclasses add ``results``."""

    next = serializers.URLField(allow_null=True, help_text="The next page; null on the last.")
    previous = serializers.URLField(
        allow_null=True, help_text="The page before; null on the first."
    )


def error_response(description: str, *examples: tuple[str, str]) -> OpenApiResponse:
    """An error response: ``examples`` are (code, message) pairs, one example each."""
    return OpenApiResponse(
        response=ErrorOutput,
        description=description,
        examples=[
            OpenApiExample(
                code if len(examples) == 1 else f"{code}: {message[:40]}",
                value={"error": code, "message": message},
            )
            for code, message in examples
        ],
    )


def ok_response(
    serializer: Any, description: str, **examples: dict[str, Any] | list[Any] | str
) -> OpenApiResponse:
    """A success response: each keyword is an example's name, its value the body (a
    string for a text download)."""
    return OpenApiResponse(
        response=serializer,
        description=description,
        examples=[
            OpenApiExample(name.replace("_", " "), value=value) for name, value in examples.items()
        ],
    )


AUTHENTICATION_FAILED = error_response(
    "Missing or invalid API key",
    ("authentication_failed", "This API key is not valid or was revoked."),
)


# The docs' sections, in order. A route that names none gets its path's (drf-spectacular
# would otherwise name it after the path's first segment: "api", "v1", "webhooks").
SECTIONS: tuple[tuple[str, str], ...] = (
    ("Transcription", "Upload audio or send a URL, follow the job, read the transcript; "
     "prices, quotes, languages and models."),
    ("Transcript editing", "Change a transcript segment by segment, with versions."),
    ("Search", "Search every transcript of the organization."),
    ("Translation", "Translate a finished transcript (Gumzo's /translate/)."),
    ("Human review", "Have a person check a transcript's doubtful parts."),
    ("Webhooks", "Endpoints, their deliveries and the signing secret."),
    ("Account and organization", "The organization, its members, invitations, tags, "
     "retention, usage and export."),
    ("OpenAI-compatible (GateFlow)", "POST /v1/audio/transcriptions and "
     "/v1/audio/translations, as OpenAI's clients call them."),
    ("GoTranscript orders", "GoTranscript's /api/v4/: orders, their files and callbacks."),
)  # fmt: skip
_SECTION_OF_PATH = (
    ("/api/v1/transcribe", "Transcription"), ("/api/v1/quote", "Transcription"),
    ("/api/v1/languages", "Transcription"), ("/api/v1/models", "Transcription"),
    ("/api/v1/pricing", "Transcription"), ("/api/v1/webhooks", "Webhooks"),
    ("/v1/", "OpenAI-compatible (GateFlow)"), ("/api/v1/", "Account and organization"),
)  # fmt: skip
_PATH_NAMES = frozenset({"api", "v1", "webhooks"})


def sections_by_path(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: routes without a section of their own get
    their path's, and the sections are listed in order with a sentence each."""
    for path, operations in result.get("paths", {}).items():
        for operation in operations.values():
            if set(operation.get("tags") or _PATH_NAMES) <= _PATH_NAMES:
                operation["tags"] = [
                    next(name for prefix, name in _SECTION_OF_PATH if path.startswith(prefix))
                ]
    result["tags"] = [{"name": name, "description": text} for name, text in SECTIONS]
    return result
