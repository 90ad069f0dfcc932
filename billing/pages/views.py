"""The wallet page: what the organization has, what is held, and every movement."""

from __future__ import annotations

from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from accounts.pages.base import org_render, page_organization
from billing.models import Wallet
from billing.selectors import held_credits, ledger_for, wallet_for

ENTRIES_PER_PAGE = 25


@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    organization = page_organization(request)
    try:
        balance = wallet_for(organization).balance
    except Wallet.DoesNotExist:
        # Organizations made in the admin may have no wallet until their first grant.
        balance = Decimal("0")
    held = held_credits(organization)
    page = Paginator(ledger_for(organization), ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return org_render(
        request,
        "billing/wallet.html",
        {"balance": balance, "held": held, "available": balance - held, "page": page},
    )
