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
