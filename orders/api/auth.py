"""GoTranscript's authentication: ``api_token`` in the form or JSON body, or in the query
string (the file URLs its callbacks give). The token is an ordinary Hark API key, checked
by accounts' own ``api_key_authenticate``; Bearer/Token headers work beside it."""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.authentication import SCHEMES, ApiKeyUser
from accounts.models import ApiKey
from accounts.services import api_key_authenticate, hash_api_key

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


def presented_token(request: Request) -> str:
    """The API key the caller authenticated with, as it sent it (``api_token``, or a
    Bearer/Token header); "" for a session or anything else. Checked against the key
    that authenticated, so it is never a token the caller did not present."""
    api_key = request.auth
    if not isinstance(api_key, ApiKey):
        return ""
    scheme, _, header_key = (
        authentication.get_authorization_header(request).decode(errors="replace").partition(" ")
    )
    header_key = header_key.strip() if scheme.lower() in SCHEMES else ""
    for token in (request_field(request, "api_token"), header_key):
        if token and hash_api_key(token) == api_key.hashed_key:
            return token
    return ""
