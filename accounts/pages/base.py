"""What every signed-in page needs: the current membership and the nav's credit figure.

Pages in all apps render through ``org_render`` so the header always shows what the
organization can spend right now; a context processor would run on allauth's pages and
the admin too, where the organization is irrelevant.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import MANAGER_ROLES, Membership, Organization
from billing.models import Wallet
from billing.selectors import available_credits


def page_membership(request: HttpRequest) -> Membership:
    """The membership the signed-in user acts through (see ``accounts.tenancy``)."""
    membership = getattr(request, "membership", None)
    if not isinstance(membership, Membership):
        # Only reachable without login_required; never show another org's data instead.
        raise Http404("No organization.")
    return membership


def page_organization(request: HttpRequest) -> Organization:
    return page_membership(request).organization


def public_base_url(request: HttpRequest) -> str:
    """Where customers reach this installation: the configured URL, else this request's host."""
    configured: str = settings.HARK_PUBLIC_URL
    return configured or request.build_absolute_uri("/").rstrip("/")


def can_manage(membership: Membership) -> bool:
    return membership.role in MANAGER_ROLES


def nav_credits(organization: Organization) -> Decimal | None:
    try:
        return available_credits(organization)
    except Wallet.DoesNotExist:
        # Organizations made in the admin may have no wallet yet; the page still works.
        return None


def org_render(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    membership = page_membership(request)
    full_context = {
        "nav_available": nav_credits(membership.organization),
        "can_manage": can_manage(membership),
        **(context or {}),
    }
    return render(request, template, full_context, status=status)
