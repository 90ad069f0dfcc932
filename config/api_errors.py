"""One error shape for every API response: ``{"error": "<code>", "message": "<sentence>"}``.

DRF's own exceptions (authentication, validation, 404, 405, throttling, parsing) and our
service errors all pass through here, so clients parse one shape with the seeds' codes.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from accounts.errors import AccountsError
from accounts.permissions import PermissionDenied
from billing.services import InsufficientCredits, InvalidAmount
from config.idempotency import IdempotencyError
from jobs.errors import JobError
from webhooks.errors import WebhookError

logger = logging.getLogger(__name__)


def error_body(code: str, message: str) -> dict[str, str]:
    return {"error": code, "message": message}


def _first_validation_message(detail: Any, field: str | None = None) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = None if key in {"non_field_errors", "detail"} else str(key)
            return _first_validation_message(value, name)
        return "The request is not valid."
    if isinstance(detail, list) and detail:
        return _first_validation_message(detail[0], field)
    text = str(detail)
    if field and "This field" in text:
        return text.replace("This field", f"The '{field}' field")
    return f"{field}: {text}" if field else text


def bad_request_message(exc: Exception) -> tuple[int, str, str]:
    """Status, code and sentence for a request Django refused to read (too big, too many
    fields or files, or otherwise suspicious); shared by the API and the pages."""
    if isinstance(exc, RequestDataTooBig):
        limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
        return (
            413,
            "file_too_large",
            f"The request body is larger than {limit_mb:g} MB. "
            "Send audio as a multipart upload in the 'file' field.",
        )
    if isinstance(exc, TooManyFieldsSent):
        return (
            400,
            "invalid_request",
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS} fields.",
        )
    if isinstance(exc, TooManyFilesSent):
        return (
            400,
            "invalid_request",
            f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES} files.",
        )
    return 400, "invalid_request", "The request could not be read."


def _translate(exc: Exception) -> tuple[int, str, str, dict[str, str]]:
    headers: dict[str, str] = {}
    if isinstance(exc, SuspiciousOperation):
        return (*bad_request_message(exc), headers)
    if isinstance(exc, JobError | WebhookError | AccountsError):
        return exc.status, exc.code, exc.message, headers
    if isinstance(exc, PermissionDenied):
        return 403, "forbidden", exc.message, headers
    if isinstance(exc, InsufficientCredits):
        return status.HTTP_402_PAYMENT_REQUIRED, "insufficient_credits", exc.message, headers
    if isinstance(exc, InvalidAmount):
        return 400, "invalid_request", exc.message, headers
    if isinstance(exc, IdempotencyError):
        return exc.status, exc.code, exc.message, headers
    if isinstance(exc, Http404 | exceptions.NotFound):
        return 404, "not_found", "The requested resource was not found.", headers
    if isinstance(exc, DjangoPermissionDenied):
        return 403, "forbidden", "You do not have permission to do this.", headers
    if isinstance(exc, exceptions.NotAuthenticated):
        return (
            401,
            "authentication_failed",
            ("Authentication is required: send 'Authorization: Bearer <your API key>'."),
            headers,
        )
    if isinstance(exc, exceptions.AuthenticationFailed):
        return 401, "authentication_failed", str(exc.detail), headers
    if isinstance(exc, exceptions.PermissionDenied):
        return 403, "forbidden", str(exc.detail), headers
    if isinstance(exc, exceptions.MethodNotAllowed):
        return 405, "method_not_allowed", str(exc.detail), headers
    if isinstance(exc, exceptions.Throttled):
        wait = int(getattr(exc, "wait", None) or 1)
        headers["Retry-After"] = str(max(wait, 1))
        return (
            429,
            "rate_limit_exceeded",
            (f"Too many requests. Try again in {max(wait, 1)} seconds."),
            headers,
        )
    if isinstance(exc, exceptions.UnsupportedMediaType):
        return 415, "unsupported_media", str(exc.detail), headers
    if isinstance(exc, exceptions.ParseError):
        return 400, "invalid_request", f"The request body could not be read: {exc.detail}", headers
    if isinstance(exc, exceptions.ValidationError):
        return 400, "invalid_request", _first_validation_message(exc.detail), headers
    if isinstance(exc, exceptions.APIException):
        return exc.status_code, "invalid_request", str(exc.detail), headers
    return 500, "server_error", "Something went wrong on our side. Please try again.", headers


def openai_error_body(code: str, message: str) -> dict[str, Any]:
    """OpenAI's error shape, which its client libraries read ``message`` from."""
    return {"error": {"message": message, "type": code, "code": code}}


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    status_code, code, message, headers = _translate(exc)
    if status_code >= 500:
        logger.exception("unhandled API error", exc_info=exc)
    request = context.get("request")
    # The OpenAI-compatible endpoints answer in OpenAI's shape so that its clients show
    # our sentence instead of a bare "Error code: 400".
    on_openai_surface = request is not None and request.path.startswith("/v1/")
    body = openai_error_body(code, message) if on_openai_surface else error_body(code, message)
    response = Response(body, status=status_code, headers=headers)
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


def is_api_path(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/v1/"))


def json_error(request: HttpRequest, status_code: int, code: str, message: str) -> JsonResponse:
    if request.path.startswith("/v1/"):
        return JsonResponse(openai_error_body(code, message), status=status_code)
    return JsonResponse(error_body(code, message), status=status_code)
