"""GoTranscript's authentication: ``api_token`` in the form or JSON body, or in the query
string (the file URLs its answers give). The token is an ordinary Hark API key, checked
by accounts' own ``api_key_authenticate``; Bearer/Token headers work beside it.

The file URLs a callback gives carry an order file token instead (``orders.file_tokens``):
only the order file route authenticates one (``OrderFileTokenAuthentication``, with
``OrderFileAccess`` holding it to the order it names); every other route refuses it."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from rest_framework import authentication, exceptions
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.authentication import SCHEMES, ApiKeyUser
from accounts.models import ApiKey
from accounts.services import api_key_authenticate, hash_api_key
from config.api import HasOrganization
from orders.file_tokens import (
    InvalidFileToken,
    OrderFileGrant,
    is_order_file_token,
    order_file_grant,
)

INVALID_TOKEN = "This api_token is not valid or was revoked."  # noqa: S105 - a sentence
CALLBACK_LINK_ELSEWHERE = (
    "This api_token comes from an order callback and downloads only that order's files; "
    "send your API key as api_token."
)
CALLBACK_LINK_OTHER_ORDER = "This api_token downloads the files of order {order_id} only."


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
        if is_order_file_token(token):
            raise exceptions.AuthenticationFailed(CALLBACK_LINK_ELSEWHERE)
        api_key = api_key_authenticate(token)
        if api_key is None:
            raise exceptions.AuthenticationFailed(INVALID_TOKEN)
        user = api_key.created_by if api_key.created_by_id else ApiKeyUser(api_key)
        return user, api_key

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class OrderFileUser(AnonymousUser):
    """The principal behind an order file token: authenticated, for one order's files."""

    def __init__(self, grant: OrderFileGrant) -> None:
        super().__init__()
        self.grant = grant

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True


class OrderFileTokenAuthentication(authentication.BaseAuthentication):
    """An order file token as ``api_token`` (the order file route only)."""

    def authenticate(self, request: Request) -> tuple[Any, OrderFileGrant] | None:
        token = request_field(request, "api_token")
        if not is_order_file_token(token):
            return None
        try:
            grant = order_file_grant(token)
        except InvalidFileToken as exc:
            raise exceptions.AuthenticationFailed(exc.message) from None
        return OrderFileUser(grant), grant

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class OrderFileAccess(HasOrganization):
    """The organization as ``HasOrganization`` finds it, or an order file token's own —
    and then only for the order the token names."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        grant = request.auth
        if not isinstance(grant, OrderFileGrant):
            return super().has_permission(request, view)
        if str(view.kwargs.get("order_id")) != str(grant.order_id):
            raise exceptions.PermissionDenied(
                CALLBACK_LINK_OTHER_ORDER.format(order_id=grant.order_id)
            )
        request.organization = grant.organization  # type: ignore[attr-defined]
        return True


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
