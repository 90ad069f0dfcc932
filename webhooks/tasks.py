"""django-q2 tasks: thin wrappers that take ids and call a service."""

from __future__ import annotations

from webhooks.delivery import deliveries_recover, delivery_attempt


def deliver(delivery_id: str) -> str | None:
    return delivery_attempt(delivery_id)


def recover_deliveries() -> int:
    return deliveries_recover()
