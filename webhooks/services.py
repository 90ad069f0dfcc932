"""Writes for webhooks: endpoints, signing secrets, and turning events into deliveries.

Other apps build their events' payloads (plain dicts) and call ``deliveries_emit`` (jobs,
at each job transition: ``jobs.services.events``) and
``webhook_url_check`` (the API, for a job's ``webhook_url``); attempts themselves are
made by ``webhooks.delivery`` in the worker.
"""

from __future__ import annotations

import functools
import logging
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from accounts.permissions import ActorLike, Capability, as_actor, require
from lib.outbound import OutboundRefused, OutboundUnresolvable, vet_url
from webhooks import events
from webhooks.delivery import delivery_enqueue
from webhooks.errors import InvalidEndpoint, WebhookConflict, WebhookUrlRefused
from webhooks.models import Delivery, DeliveryStatus, Endpoint, RotatableSecret, SigningSecret
from webhooks.selectors import delivery_get, endpoint_get, endpoints_subscribed
from webhooks.signals import event_emitted
from webhooks.signing import secret_generate

logger = logging.getLogger(__name__)


def message_id_new() -> str:
    return f"msg_{uuid.uuid4().hex}"


def webhook_url_check(url: str) -> None:
    """Refuse a URL that Hark would never send to; WebhookUrlRefused says why.

    A name that does not resolve right now is accepted: DNS may be briefly down or the
    receiver not yet deployed, and every attempt is vetted again before it connects.
    """
    try:
        vet_url(url)
    except OutboundUnresolvable:
        return
    except OutboundRefused as exc:
        raise WebhookUrlRefused(f"This webhook URL is not allowed. {exc.message}") from None


def _events_clean(chosen: Sequence[str] | None) -> list[str]:
    if chosen is None:
        return list(events.EVENT_TYPES)
    unknown = [name for name in chosen if name not in events.EVENT_TYPES]
    if unknown:
        raise InvalidEndpoint(
            f"Unknown event '{unknown[0]}'. Events: {', '.join(events.EVENT_TYPES)}."
        )
    if not chosen:
        raise InvalidEndpoint("Choose at least one event to send to this endpoint.")
    return [name for name in events.EVENT_TYPES if name in chosen]


@transaction.atomic
def endpoint_create(
    *,
    organization: Organization,
    url: str,
    description: str = "",
    event_types: Sequence[str] | None = None,
    thin_payload: bool = False,
    actor: ActorLike,
) -> tuple[Endpoint, str]:
    """Register a receiver; returns it with its secret, which callers show once.
    Owners and admins only (PermissionDenied); ``actor`` None is the operator."""
    require(actor, organization, Capability.WEBHOOKS_MANAGE)
    webhook_url_check(url)
    who = as_actor(actor)
    created_by = who.user or (who.api_key.created_by if who.api_key else None)
    secret = secret_generate()
    endpoint = Endpoint.objects.create(
        organization=organization,
        url=url,
        description=description.strip()[:200],
        events=_events_clean(event_types),
        thin_payload=thin_payload,
        secret=secret,
        created_by=created_by if created_by and created_by.pk else None,
    )
    return endpoint, secret


@transaction.atomic
def endpoint_update(
    *, organization: Organization, endpoint_id: object, changes: dict[str, Any], actor: ActorLike
) -> Endpoint:
    """Change url, description, events, thin_payload or enabled. Re-enabling clears the
    failure count, so an endpoint gets a fresh run before it can be disabled again."""
    require(actor, organization, Capability.WEBHOOKS_MANAGE)
    endpoint = endpoint_get(organization, endpoint_id)
    fields: list[str] = []
    if "url" in changes and changes["url"] != endpoint.url:
        webhook_url_check(changes["url"])
        endpoint.url = changes["url"]
        fields.append("url")
    if "description" in changes:
        endpoint.description = str(changes["description"]).strip()[:200]
        fields.append("description")
    if "events" in changes:
        endpoint.events = _events_clean(changes["events"])
        fields.append("events")
    if "thin_payload" in changes:
        endpoint.thin_payload = bool(changes["thin_payload"])
        fields.append("thin_payload")
    if "enabled" in changes and bool(changes["enabled"]) != endpoint.enabled:
        endpoint.enabled = bool(changes["enabled"])
        endpoint.disabled_reason = "" if endpoint.enabled else "Disabled by a member."
        endpoint.failed_deliveries_in_a_row = 0
        fields += ["enabled", "disabled_reason", "failed_deliveries_in_a_row"]
    if fields:
        endpoint.save(update_fields=[*fields, "updated_at"])
    return endpoint


def endpoint_delete(*, organization: Organization, endpoint_id: object, actor: ActorLike) -> None:
    """Delete an endpoint with its delivery log; pending deliveries stop with it."""
    require(actor, organization, Capability.WEBHOOKS_MANAGE)
    endpoint_get(organization, endpoint_id).delete()


@transaction.atomic
def webhooks_erase(*, organization: Organization, actor: ActorLike) -> int:
    """Delete every endpoint, the whole delivery log and the signing secret (a new one
    is made when next needed): part of deleting everything an organization has.
    Returns how many endpoints there were."""
    require(actor, organization, Capability.ORGANIZATION_DATA)
    endpoints = Endpoint.objects.filter(organization=organization)
    count = endpoints.count()
    Delivery.objects.filter(organization=organization).delete()
    SigningSecret.objects.filter(organization=organization).delete()
    endpoints.delete()
    return count


def _rotate(holder: RotatableSecret) -> str:
    now = timezone.now()
    holder.previous_secret = holder.secret
    holder.previous_secret_expires_at = now + timedelta(
        hours=settings.HARK_WEBHOOK_SECRET_OVERLAP_HOURS
    )
    holder.secret = secret_generate()
    return holder.secret


@transaction.atomic
def endpoint_rotate_secret(
    *, organization: Organization, endpoint_id: object, actor: ActorLike
) -> tuple[Endpoint, str]:
    """Replace the endpoint's secret; the old one keeps signing for the overlap period."""
    require(actor, organization, Capability.WEBHOOKS_MANAGE)
    endpoint = endpoint_get(organization, endpoint_id)
    secret = _rotate(endpoint)
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    return endpoint, secret


def organization_secret_read(*, organization: Organization, actor: ActorLike) -> SigningSecret:
    """The signing secret, for someone who may see it (owners and admins)."""
    require(actor, organization, Capability.WEBHOOKS_MANAGE)
    return organization_secret(organization)


def organization_secret(organization: Organization) -> SigningSecret:
    """The organization's signing secret for jobs' webhook_url, made on first use.
    Unchecked, for signing; callers that show it use ``organization_secret_read``."""
    holder, _ = SigningSecret.objects.get_or_create(
        organization=organization, defaults={"secret": secret_generate()}
    )
    return holder


@transaction.atomic
def organization_secret_rotate(*, organization: Organization, actor: ActorLike) -> SigningSecret:
    require(actor, organization, Capability.WEBHOOKS_MANAGE)
    holder = SigningSecret.objects.select_for_update().get(pk=organization_secret(organization).pk)
    _rotate(holder)
    holder.rotated_at = timezone.now()
    holder.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "rotated_at"]
    )
    return holder


def _deliveries_create(deliveries: list[Delivery]) -> list[Delivery]:
    """Store the deliveries and queue their first attempts, in the caller's transaction:
    the ORM broker's rows commit with them, so none is lost or sent for a rollback."""
    now = timezone.now()
    for delivery in deliveries:
        delivery.next_attempt_at = now
    Delivery.objects.bulk_create(deliveries)
    for delivery in deliveries:
        delivery_enqueue(delivery.pk)
    return deliveries


Payload = dict[str, Any] | Callable[[], dict[str, Any]]


def _endpoint_deliveries(
    organization: Organization,
    event_type: str,
    payload: Callable[[], dict[str, Any]],
    *,
    message_id: str,
    job_id: uuid.UUID | None = None,
) -> list[Delivery]:
    return [
        Delivery(
            organization=organization,
            endpoint=endpoint,
            url=endpoint.url,
            event_type=event_type,
            message_id=message_id,
            job_id=job_id,
            payload=events.encode(events.thin(payload()) if endpoint.thin_payload else payload()),
        )
        for endpoint in endpoints_subscribed(organization, event_type)
    ]


def deliveries_emit(
    *,
    organization: Organization,
    event_type: str,
    payload: Payload,
    webhook_url: str = "",
    job_id: uuid.UUID | None = None,
    job_type: str | None = None,
) -> int:
    """Queue ``payload`` as ``event_type`` for the organization's subscribed endpoints
    and for ``webhook_url`` (a job's own); returns how many deliveries were queued.

    ``payload`` may be a function that builds it: it is then built only when someone will
    receive it, and once (a translation's carries every segment: ~0.1 s for an hour).
    ``job_type`` is what the in-process listeners are told (read from a dict payload).

    Whoever builds the payload (jobs, translations) calls this inside the transaction
    that changes its work: the deliveries commit with the change (or vanish with its
    rollback) and are attempted once it has committed. A failure here is logged and
    never undoes the work's transition.
    """
    if job_type is None:
        job_type = payload.get("job_type", "") if isinstance(payload, dict) else ""
    _listeners_notify(organization, event_type, job_type, job_id)
    built = _built_once(payload)
    try:
        with transaction.atomic():
            message_id = message_id_new()
            deliveries = _endpoint_deliveries(
                organization, event_type, built, message_id=message_id, job_id=job_id
            )
            if webhook_url:
                organization_secret(organization)
                deliveries.append(
                    Delivery(
                        organization=organization,
                        url=webhook_url,
                        event_type=event_type,
                        message_id=message_id,
                        job_id=job_id,
                        payload=events.encode(built()),
                    )
                )
            return len(_deliveries_create(deliveries))
    except Exception:
        logger.exception("could not queue %s webhooks for %s", event_type, job_id)
        return 0


def _built_once(payload: Payload) -> Callable[[], dict[str, Any]]:
    return (lambda: payload) if isinstance(payload, dict) else functools.cache(payload)


def _listeners_notify(
    organization: Organization, event_type: str, job_type: str, job_id: object
) -> None:
    for receiver, result in event_emitted.send_robust(
        sender=None,
        organization=organization,
        event_type=event_type,
        job_id=job_id,
        job_type=job_type,
    ):
        if isinstance(result, Exception):
            logger.error("%s failed on %s of %s", receiver, event_type, job_id, exc_info=result)


def event_emit(*, organization: Organization, event_type: str, data: dict[str, Any]) -> int:
    """Queue an event that is not about one job (e.g. a wallet event, once it is in
    ``events.EVENT_TYPES``) for the organization's subscribed endpoints. Same rules as
    ``deliveries_emit``: call it inside the transaction that makes it true."""
    payload = {"type": event_type, "event": events.gumzo_event_name(event_type),
               "timestamp": timezone.now(), **data}  # fmt: skip
    try:
        with transaction.atomic():
            deliveries = _endpoint_deliveries(
                organization, event_type, lambda: payload, message_id=message_id_new()
            )
            return len(_deliveries_create(deliveries))
    except Exception:
        logger.exception("could not queue %s webhooks for %s", event_type, organization)
        return 0


@transaction.atomic
def endpoint_send_test(
    *, organization: Organization, endpoint_id: object, actor: ActorLike
) -> Delivery:
    """Send a ``webhook.test`` event to the endpoint, whatever events it subscribes to."""
    require(actor, organization, Capability.WEBHOOKS_MANAGE)
    endpoint = endpoint_get(organization, endpoint_id)
    if not endpoint.enabled:
        raise WebhookConflict("This endpoint is disabled. Enable it to send it a test event.")
    payload = events.ping_payload(occurred_at=timezone.now(), endpoint_id=endpoint.pk)
    delivery = Delivery(
        organization=organization,
        endpoint=endpoint,
        url=endpoint.url,
        event_type=events.TEST_EVENT,
        message_id=message_id_new(),
        payload=events.encode(payload),
    )
    return _deliveries_create([delivery])[0]


@transaction.atomic
def delivery_resend(
    *, organization: Organization, delivery_id: object, actor: ActorLike
) -> Delivery:
    """Send a delivery's message again, as a new delivery with the same ``webhook-id``
    and body, so a receiver that already has it can recognise it."""
    require(actor, organization, Capability.WEBHOOKS_MANAGE)
    original = delivery_get(organization, delivery_id)
    endpoint = original.endpoint
    if endpoint is not None and not endpoint.enabled:
        raise WebhookConflict("This endpoint is disabled. Enable it before resending to it.")
    if original.status == DeliveryStatus.PENDING:
        raise WebhookConflict("This delivery is still being attempted; wait for it to finish.")
    copy = Delivery(
        organization=organization,
        endpoint=endpoint,
        url=endpoint.url if endpoint is not None else original.url,
        event_type=original.event_type,
        message_id=original.message_id,
        job_id=original.job_id,
        payload=original.payload,
        resent_from=original,
    )
    return _deliveries_create([copy])[0]
