from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from accounts.tenancy import session_membership


class CurrentOrganizationMiddleware:
    """Attach ``request.membership`` (lazily: most static requests never need it)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = SimpleLazyObject(lambda: session_membership(request))  # type: ignore[attr-defined]
        return self.get_response(request)
