"""Reads for webhooks. Every query takes the organization first and filters by it in
SQL, so another organization's endpoint or delivery is indistinguishable from a missing one."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from accounts.models import Organization
from webhooks.errors import DeliveryNotFound, EndpointNotFound
from webhooks.models import Attempt, Delivery, Endpoint


def _uuid(value: object) -> uuid.UUID | None:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        return None


def endpoints_for(organization: Organization) -> QuerySet[Endpoint]:
    return Endpoint.objects.filter(organization=organization)


def endpoint_get(organization: Organization, endpoint_id: object) -> Endpoint:
    pk = _uuid(endpoint_id)
    endpoint = endpoints_for(organization).filter(pk=pk).first() if pk else None
    if endpoint is None:
        raise EndpointNotFound()
    return endpoint


def endpoints_subscribed(organization: Organization, event_type: str) -> list[Endpoint]:
    """Enabled endpoints that asked for ``event_type`` (filtered in Python: JSON
    containment lookups are not available on SQLite)."""
    return [e for e in endpoints_for(organization).filter(enabled=True) if event_type in e.events]


def deliveries_for(
    organization: Organization, *, endpoint: Endpoint | None = None
) -> QuerySet[Delivery]:
    deliveries = Delivery.objects.filter(organization=organization).select_related("endpoint")
    if endpoint is not None:
        deliveries = deliveries.filter(endpoint=endpoint)
    return deliveries.defer("payload")


def delivery_get(organization: Organization, delivery_id: object) -> Delivery:
    pk = _uuid(delivery_id)
    delivery = (
        Delivery.objects.filter(organization=organization, pk=pk).select_related("endpoint").first()
        if pk
        else None
    )
    if delivery is None:
        raise DeliveryNotFound()
    return delivery


def delivery_attempts(delivery: Delivery) -> QuerySet[Attempt]:
    return Attempt.objects.filter(delivery=delivery).order_by("number")
