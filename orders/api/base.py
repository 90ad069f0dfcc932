"""The base of every ``/api/v4/`` view: GoTranscript's token and its error body.

Errors keep Hark's one mapping (``config.api_errors``) and change only their shape:
``{"mode", "status": "error", "error": "<sentence>"}``, with HTTP 400 for everything a
client did wrong (GoTranscript's one error status), 404 for an order that is not the
caller's (the same body as a missing one) and 5xx for ours.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.authentication import ApiKeyAuthentication
from config.api import OrganizationApiView
from config.api_errors import api_exception_handler
from orders.api.auth import ApiTokenAuthentication, presented_token, request_field
from orders.selectors import ApiLinks

MISSING_TOKEN = "api_token is required: send your API key as api_token."  # noqa: S105


def request_mode(request: Request) -> str:
    mode = request_field(request, "mode")
    return mode if mode in ("test", "live") else "live"


def gotranscript_error(exc: Exception, context: dict[str, Any]) -> Response:
    response = api_exception_handler(exc, context)
    body = response.data if isinstance(response.data, dict) else {}
    message = str(body.get("message") or "The request is not valid.")
    if body.get("error") == "authentication_failed" and "Authentication is required" in message:
        message = MISSING_TOKEN
    status = (
        response.status_code
        if response.status_code in (404,) or response.status_code >= 500
        else 400
    )
    request = context.get("request")
    mode = request_mode(request) if isinstance(request, Request) else "live"
    return Response({"mode": mode, "status": "error", "error": message}, status=status)


class GoTranscriptApiView(OrganizationApiView):
    # The token in the body or query first (GoTranscript), then headers, then a session.
    authentication_classes = [ApiTokenAuthentication, ApiKeyAuthentication, SessionAuthentication]

    def get_exception_handler(self) -> Callable[[Exception, dict[str, Any]], Response]:
        return gotranscript_error

    @property
    def links(self) -> ApiLinks:
        """This answer's URLs: on the host the request came to (unless HARK_PUBLIC_URL
        names one), with the token the caller presented."""
        return ApiLinks(
            base=self.request.build_absolute_uri("/").rstrip("/"),
            api_token=presented_token(self.request),
        )
