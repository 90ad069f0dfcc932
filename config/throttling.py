from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from accounts.tenancy import request_organization

if TYPE_CHECKING:
    from rest_framework.views import APIView


class OrganizationRateThrottle(SimpleRateThrottle):
    """One request budget per organization, however many keys or people share it."""

    scope = "organization"

    def get_rate(self) -> str:
        # Read per request so the rate is a plain setting (HARK_API_RATE), not frozen
        # into the class at import time as DRF's THROTTLE_RATES would be.
        rate: str = settings.HARK_API_RATE
        return rate

    def get_cache_key(self, request: Request, view: APIView) -> str | None:
        organization = request_organization(request._request, request.auth)
        if organization is None:
            return None
        return self.cache_format % {"scope": self.scope, "ident": organization.pk}
