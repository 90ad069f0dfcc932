"""Money pages: the wallet (balance, holds, top-ups, every movement), Stripe's return
pages, usage with its CSV export, and the price table."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.pages.base import org_render, page_organization
from accounts.permissions import PermissionDenied
from billing.models import TopUp, Wallet
from billing.pricing import price_table
from billing.selectors import ledger_for, topups_for, wallet_for
from billing.stripe.packs import TOPUPS_OFF, credit_packs, pack_get, stripe_enabled
from billing.stripe.services import TopUpUnavailable, topup_start
from billing.usage import InvalidPeriod, usage_csv, usage_period, usage_report
from jobs.engines import enabled_engines

ENTRIES_PER_PAGE = 25
RECENT_TOPUPS = 10


@login_required
def wallet(request: HttpRequest) -> HttpResponse:
    organization = page_organization(request)
    try:
        current = wallet_for(organization)
        balance, held = current.balance, current.held
    except Wallet.DoesNotExist:
        # Organizations made in the admin may have no wallet until their first grant.
        balance = held = Decimal("0")
    page = Paginator(ledger_for(organization), ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return org_render(request, "billing/wallet.html", {
        "balance": balance, "held": held, "available": balance - held, "page": page,
        "packs": credit_packs(), "stripe_enabled": stripe_enabled(), "topups_off": TOPUPS_OFF,
        "topups": topups_for(organization)[:RECENT_TOPUPS],
    })  # fmt: skip


def _user(request: HttpRequest) -> User:
    # Never None: None is the operator to the services (accounts.permissions).
    user = request.user
    assert isinstance(user, User)  # login_required guarantees a signed-in user
    return user


@login_required
@require_POST
def topup_begin(request: HttpRequest) -> HttpResponse:
    """Send the customer to Stripe Checkout for the chosen pack."""
    organization = page_organization(request)
    pack = pack_get(request.POST.get("pack", ""))
    if pack is None:
        messages.error(request, "Choose one of the credit packs on offer.")
        return redirect("wallet")
    try:
        topup = topup_start(
            organization=organization,
            pack=pack,
            actor=_user(request),
            success_url=request.build_absolute_uri(reverse("topup-success")),
            cancel_url=request.build_absolute_uri(reverse("topup-cancel")),
        )
    except TopUpUnavailable as exc:
        messages.error(request, exc.message)
        return redirect("wallet")
    except PermissionDenied as denied:
        messages.error(request, denied.message)
        return render(request, "403.html", {"exception": denied.message}, status=403)
    # 303: the browser follows with a GET to Stripe's page, as Stripe recommends.
    response = HttpResponseRedirect(topup.checkout_url)
    response.status_code = 303
    return response


def _own_topup(request: HttpRequest, **lookup: str) -> TopUp:
    topup = topups_for(page_organization(request)).filter(**lookup).first()
    if topup is None:
        raise Http404("No such top-up.")
    return topup


@login_required
def topup_success(request: HttpRequest) -> HttpResponse:
    topup = _own_topup(request, checkout_session_id=request.GET.get("session_id", ""))
    return org_render(request, "billing/topup_result.html", {"topup": topup, "canceled": False})


@login_required
def topup_cancel(request: HttpRequest) -> HttpResponse:
    try:
        topup_id = str(uuid.UUID(request.GET.get("topup", "")))
    except ValueError:
        raise Http404("No such top-up.") from None
    topup = _own_topup(request, pk=topup_id)
    return org_render(request, "billing/topup_result.html", {"topup": topup, "canceled": True})


@login_required
def usage(request: HttpRequest) -> HttpResponse:
    organization = page_organization(request)
    error = ""
    try:
        start, end = usage_period(request.GET.get("from"), request.GET.get("to"))
    except InvalidPeriod as exc:
        error = exc.message
        start, end = usage_period(None, None)
    report = usage_report(organization, start, end)
    return org_render(request, "billing/usage.html", {"report": report, "error": error})


@login_required
def usage_export(request: HttpRequest) -> HttpResponse:
    try:
        start, end = usage_period(request.GET.get("from"), request.GET.get("to"))
    except InvalidPeriod as exc:
        return HttpResponse(exc.message, status=400, content_type="text/plain; charset=utf-8")
    report = usage_report(page_organization(request), start, end)
    response = HttpResponse(usage_csv(report), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="usage-{start}-{end}.csv"'
    return response


def pricing(request: HttpRequest) -> HttpResponse:
    """Public: people compare prices before they sign up."""
    engines = ((info.name, info.label) for info in enabled_engines())
    context = {
        "table": price_table(engines),
        "packs": credit_packs(),
        "signup_grant": settings.HARK_SIGNUP_GRANT,
    }
    if request.user.is_authenticated:
        return org_render(request, "billing/pricing.html", context)
    return render(request, "billing/pricing.html", context)
