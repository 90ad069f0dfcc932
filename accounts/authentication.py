"""API-key authentication: ``Authorization: Bearer <key>`` and ``Authorization: Token <key>``.

Both schemes are accepted because the services we replace use one each (AudioToTextAI
and GateFlow send Bearer, Gumzo sends Token); customers' code must run unchanged.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from accounts.models import ApiKey
from accounts.services import api_key_authenticate

SCHEMES = {"bearer", "token"}


class ApiKeyUser(AnonymousUser):
    """The principal behind an API key: authenticated, but not a person with a session."""

    def __init__(self, api_key: ApiKey) -> None:
        super().__init__()
        self.api_key = api_key

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True


class ApiKeyAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, ApiKey] | None:
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header:
            return None
        scheme, _, raw_key = header.partition(" ")
        if scheme.lower() not in SCHEMES:
            return None
        raw_key = raw_key.strip()
        if not raw_key:
            raise exceptions.AuthenticationFailed("The Authorization header has no API key.")
        api_key = api_key_authenticate(raw_key)
        if api_key is None:
            raise exceptions.AuthenticationFailed("This API key is not valid or was revoked.")
        user = api_key.created_by if api_key.created_by_id else ApiKeyUser(api_key)
        return user, api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
