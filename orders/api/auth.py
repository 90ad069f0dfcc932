"""GoTranscript's authentication: ``api_token`` in the form or JSON body, or in the query
string (the file URLs its callbacks give). The token is an ordinary Hark API key, checked
by accounts' own ``api_key_authenticate``; Bearer/Token headers work beside it."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.authentication import ApiKeyUser
from accounts.models import ApiKey
from accounts.services import api_key_authenticate

INVALID_TOKEN = "This api_token is not valid or was revoked."  # noqa: S105 - a sentence


def request_field(request: Request, name: str) -> str:
    """A parameter from the query string or the body, whichever has it."""
    value = request.query_params.get(name)
    if value is None:
        try:
            data = request.data
        except exceptions.ParseError:
            return ""
        value = data.get(name) if hasattr(data, "get") else None
    return str(value).strip() if value is not None else ""


class ApiTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        token = request_field(request, "api_token")
        if not token:
            return None
        api_key = api_key_authenticate(token)
        if api_key is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        user = api_key.created_by if api_key.created_by_id else ApiKeyUser(api_key)
        return user, api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
