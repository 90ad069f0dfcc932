"""Browser pages for webhooks: endpoints, the delivery log, and the receivers' docs.

Every member can read the log; only owners and admins change endpoints, see secrets,
resend or send test events (as with API keys).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from accounts.models import User
from accounts.pages.base import can_manage, org_render, page_membership, public_base_url
from accounts.permissions import Capability, PermissionDenied, require
from webhooks import services
from webhooks.delivery import max_attempts
from webhooks.errors import DeliveryNotFound, EndpointNotFound, WebhookError
from webhooks.events import EVENT_TYPES, TRANSCRIPT_FIELDS
from webhooks.models import Endpoint
from webhooks.pages.forms import EndpointEditForm, EndpointForm
from webhooks.selectors import (
    deliveries_for,
    delivery_attempts,
    delivery_get,
    endpoint_get,
    endpoints_for,
)

DELIVERIES_PER_PAGE = 25
View = Callable[..., HttpResponse]


def managers_only(view: View) -> View:
    """POSTs by members who may not manage webhooks answer 403 with the reason. The
    services check again (accounts.permissions); their refusal is the same page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            if request.method == "POST":
                require(_user(request), _organization(request), Capability.WEBHOOKS_MANAGE)
            return view(request, *args, **kwargs)
        except PermissionDenied as denied:
            messages.error(request, denied.message)
            return org_render(request, "webhooks/forbidden.html", status=403)

    return wrapper


def _organization(request: HttpRequest) -> Any:
    return page_membership(request).organization


def _endpoint_or_404(request: HttpRequest, endpoint_id: uuid.UUID) -> Endpoint:
    try:
        return endpoint_get(_organization(request), endpoint_id)
    except EndpointNotFound:
        raise Http404("No such endpoint.") from None


def _user(request: HttpRequest) -> User:
    # Never None here: None is the operator to the services (accounts.permissions).
    user = request.user
    assert isinstance(user, User)  # login_required guarantees a signed-in user
    return user


def _index(request: HttpRequest, form: EndpointForm, *, status: int = 200) -> HttpResponse:
    organization = _organization(request)
    page = Paginator(deliveries_for(organization), DELIVERIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "endpoints": endpoints_for(organization),
        "form": form,
        "page": page,
        "signing_secret": (
            services.organization_secret_read(organization=organization, actor=_user(request))
            if can_manage(page_membership(request))
            else None
        ),
    }
    return org_render(request, "webhooks/index.html", context, status=status)


@login_required
@managers_only
def webhooks_index(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _index(request, EndpointForm())
    form = EndpointForm(request.POST)
    if not form.is_valid():
        return _index(request, form, status=400)
    try:
        endpoint, secret = services.endpoint_create(
            organization=_organization(request),
            url=form.cleaned_data["url"].strip(),
            description=form.cleaned_data["description"],
            event_types=form.cleaned_data["events"],
            thin_payload=form.cleaned_data["thin_payload"],
            actor=_user(request),
        )
    except WebhookError as exc:
        form.add_error("url", exc.message)
        return _index(request, form, status=400)
    # Rendered from the POST, never stored in the page: the secret is shown only here.
    response = org_render(
        request, "webhooks/endpoint_created.html", {"endpoint": endpoint, "secret": secret}
    )
    response["Cache-Control"] = "no-store"
    return response


def _detail(
    request: HttpRequest, endpoint: Endpoint, form: EndpointEditForm, *, status: int = 200
) -> HttpResponse:
    page = Paginator(
        deliveries_for(_organization(request), endpoint=endpoint), DELIVERIES_PER_PAGE
    ).get_page(request.GET.get("page"))
    return org_render(
        request,
        "webhooks/endpoint_detail.html",
        {"endpoint": endpoint, "form": form, "page": page},
        status=status,
    )


@login_required
@managers_only
def endpoint_detail(request: HttpRequest, endpoint_id: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    if request.method != "POST":
        initial = {
            "url": endpoint.url,
            "description": endpoint.description,
            "events": endpoint.events,
            "thin_payload": endpoint.thin_payload,
            "enabled": endpoint.enabled,
        }
        return _detail(request, endpoint, EndpointEditForm(initial=initial))
    form = EndpointEditForm(request.POST)
    if not form.is_valid():
        return _detail(request, endpoint, form, status=400)
    try:
        services.endpoint_update(
            organization=_organization(request),
            endpoint_id=endpoint.pk,
            changes={**form.cleaned_data, "url": form.cleaned_data["url"].strip()},
            actor=_user(request),
        )
    except WebhookError as exc:
        form.add_error("url", exc.message)
        return _detail(request, endpoint, form, status=400)
    messages.success(request, "The endpoint was saved.")
    return redirect("webhook-endpoint", endpoint_id=endpoint.pk)


@login_required
@require_POST
@managers_only
def endpoint_rotate(request: HttpRequest, endpoint_id: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    endpoint, secret = services.endpoint_rotate_secret(
        organization=_organization(request), endpoint_id=endpoint.pk, actor=_user(request)
    )
    response = org_render(
        request,
        "webhooks/endpoint_created.html",
        {"endpoint": endpoint, "secret": secret, "rotated": True},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
@managers_only
def endpoint_test(request: HttpRequest, endpoint_id: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    try:
        delivery = services.endpoint_send_test(
            organization=_organization(request), endpoint_id=endpoint.pk, actor=_user(request)
        )
    except WebhookError as exc:
        messages.error(request, exc.message)
        return redirect("webhook-endpoint", endpoint_id=endpoint.pk)
    messages.success(request, "A test event is on its way. Its attempts appear below.")
    return redirect("webhook-delivery", delivery_id=delivery.pk)


@login_required
@require_POST
@managers_only
def endpoint_delete_view(request: HttpRequest, endpoint_id: uuid.UUID) -> HttpResponse:
    endpoint = _endpoint_or_404(request, endpoint_id)
    services.endpoint_delete(
        organization=_organization(request), endpoint_id=endpoint.pk, actor=_user(request)
    )
    messages.success(request, f"{endpoint.url} will receive no more webhooks.")
    return redirect("webhooks")


@login_required
def delivery_detail(request: HttpRequest, delivery_id: uuid.UUID) -> HttpResponse:
    try:
        delivery = delivery_get(_organization(request), delivery_id)
    except DeliveryNotFound:
        raise Http404("No such delivery.") from None
    payload = json.dumps(json.loads(delivery.payload), indent=2, ensure_ascii=False)
    return org_render(
        request,
        "webhooks/delivery_detail.html",
        {
            "delivery": delivery,
            "payload": payload,
            "attempts": delivery_attempts(delivery),
            "max_attempts": max_attempts(),
        },
    )


@login_required
@require_POST
@managers_only
def delivery_resend_view(request: HttpRequest, delivery_id: uuid.UUID) -> HttpResponse:
    try:
        copy = services.delivery_resend(
            organization=_organization(request), delivery_id=delivery_id, actor=_user(request)
        )
    except DeliveryNotFound:
        raise Http404("No such delivery.") from None
    except WebhookError as exc:
        messages.error(request, exc.message)
        return redirect("webhook-delivery", delivery_id=delivery_id)
    messages.success(request, "Resent with the same webhook-id. Its attempts appear below.")
    return redirect("webhook-delivery", delivery_id=copy.pk)


@login_required
@require_POST
@managers_only
def signing_secret_rotate(request: HttpRequest) -> HttpResponse:
    services.organization_secret_rotate(organization=_organization(request), actor=_user(request))
    hours = settings.HARK_WEBHOOK_SECRET_OVERLAP_HOURS
    messages.success(
        request, f"New signing secret created. The old one keeps signing for {hours} hours."
    )
    return redirect("webhooks")


@login_required
def webhooks_docs(request: HttpRequest) -> HttpResponse:
    schedule = settings.HARK_WEBHOOK_RETRY_SCHEDULE
    return org_render(
        request,
        "webhooks/docs.html",
        {
            "events": EVENT_TYPES,
            "api_url": f"{public_base_url(request)}/api/v1",
            "max_attempts": len(schedule) + 1,
            "schedule": ", ".join(_duration(s) for s in schedule),
            "timeout": settings.HARK_WEBHOOK_TIMEOUT_SECONDS,
            "overlap_hours": settings.HARK_WEBHOOK_SECRET_OVERLAP_HOURS,
            "disable_after": settings.HARK_WEBHOOK_DISABLE_AFTER,
            "transcript_fields": TRANSCRIPT_FIELDS,
        },
    )


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:g} s"
    if seconds < 3600:
        return f"{seconds / 60:g} min"
    return f"{seconds / 3600:g} h"
