"""The base for every organization-scoped API view: the one place that resolves and
enforces the current organization (as Sentry's organization endpoints do)."""

from __future__ import annotations

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.models import Organization
from accounts.tenancy import request_organization


class HasOrganization(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        organization = request_organization(request._request, request.auth)
        if organization is None:
            return False
        request.organization = organization  # type: ignore[attr-defined]
        return True


class OrganizationApiView(APIView):
    permission_classes = [HasOrganization]

    @property
    def organization(self) -> Organization:
        organization: Organization = self.request.organization  # type: ignore[attr-defined]
        return organization
