"""The GoTranscript API settings page: the organization's global callback URL, a test
callback, and every callback attempt (thin views over ``orders.services.callbacks``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.pages.base import org_render, page_membership
from accounts.permissions import PermissionDenied
from jobs.errors import JobError
from orders.pricing import price_rows
from orders.selectors import callbacks_for
from orders.services.callbacks import (
    callback_test_send,
    callback_url_set,
    organization_callback_url,
)
from webhooks.errors import WebhookError


def _page(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    organization = page_membership(request).organization
    return org_render(
        request,
        "orders/settings.html",
        {
            "callback_url": organization_callback_url(organization),
            "callbacks": callbacks_for(organization),
            "prices": price_rows(),
        },
        status=status,
    )


@login_required
def orders_settings(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    membership = page_membership(request)
    try:
        callback_url_set(
            organization=membership.organization,
            url=request.POST.get("callback_url", ""),
            actor=membership.user,
        )
    except PermissionDenied as denied:
        messages.error(request, denied.message)
        return _page(request, status=403)
    except WebhookError as exc:
        messages.error(request, exc.message)
        return _page(request, status=400)
    messages.success(request, "The callback URL was saved.")
    return redirect("orders-settings")


@login_required
@require_POST
def orders_test_callback(request: HttpRequest) -> HttpResponse:
    membership = page_membership(request)
    try:
        callback_test_send(
            organization=membership.organization,
            actor=membership.user,
            api_base_url=request.build_absolute_uri("/").rstrip("/"),
        )
    except PermissionDenied as denied:
        messages.error(request, denied.message)
        return _page(request, status=403)
    except JobError as exc:
        messages.error(request, exc.message)
        return redirect("orders-settings")
    messages.success(request, "A test callback is on its way; its attempts are listed below.")
    return redirect("orders-settings")
