"""The base for every organization-scoped API view: the one place that resolves and
enforces the current organization and the caller's capability (as Sentry's organization
endpoints declare scopes per method)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import Organization
from accounts.permissions import Actor, Capability, actor_for_request, require
from accounts.tenancy import request_organization

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class HasOrganization(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        organization = request_organization(request._request, request.auth)
        if organization is None:
            return False
        request.organization = organization  # type: ignore[attr-defined]
        capability = getattr(view, "scopes", {}).get(request.method or "")
        if capability is not None:
            # PermissionDenied becomes a 403 with its sentence (config/api_errors.py).
            require(actor_for_request(request.user, request.auth), organization, capability)
        return True


class OrganizationApiView(APIView):
    permission_classes = [HasOrganization]
    # The capability each method needs (accounts.permissions). Every write method must
    # declare one — tests/test_permissions.py walks the URL table to make sure; the
    # service checks again, so the pages and the admin get the same answer.
    scopes: ClassVar[Mapping[str, Capability]] = {}

    @property
    def organization(self) -> Organization:
        organization: Organization = self.request.organization  # type: ignore[attr-defined]
        return organization

    @property
    def actor(self) -> Actor:
        return actor_for_request(self.request.user, self.request.auth)
