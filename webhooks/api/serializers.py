"""Input and output shapes of the webhooks API."""

from __future__ import annotations

import json
from typing import Any

from rest_framework import serializers

from webhooks.events import EVENT_CHOICES
from webhooks.models import Attempt, Delivery, Endpoint, SigningSecret


class EndpointInput(serializers.Serializer):  # type: ignore[type-arg]
    # Checked by the SSRF guard (webhooks.services.webhook_url_check), which says why.
    url = serializers.CharField(max_length=500)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_CHOICES), required=False, allow_empty=False
    )
    thin_payload = serializers.BooleanField(required=False, default=False)


class EndpointUpdateInput(EndpointInput):
    url = serializers.CharField(max_length=500, required=False)
    thin_payload = serializers.BooleanField(required=False)
    enabled = serializers.BooleanField(required=False)


def endpoint_output(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": str(endpoint.pk),
        "url": endpoint.url,
        "description": endpoint.description,
        "events": endpoint.events,
        "thin_payload": endpoint.thin_payload,
        "enabled": endpoint.enabled,
        "disabled_reason": endpoint.disabled_reason or None,
        "secret_hint": endpoint.secret_hint,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at,
        "created_at": endpoint.created_at,
        "updated_at": endpoint.updated_at,
    }


def secret_output(holder: Endpoint | SigningSecret, secret: str) -> dict[str, Any]:
    return {"secret": secret, "previous_secret_expires_at": holder.previous_secret_expires_at}


def attempt_output(attempt: Attempt) -> dict[str, Any]:
    return {
        "number": attempt.number,
        "started_at": attempt.started_at,
        "duration_ms": attempt.duration_ms,
        "status_code": attempt.status_code,
        "outcome": attempt.outcome,
        "error": attempt.error or None,
        "response_excerpt": attempt.response_excerpt,
    }


def delivery_output(delivery: Delivery, *, attempts: list[Attempt] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(delivery.pk),
        "endpoint_id": str(delivery.endpoint_id) if delivery.endpoint_id else None,
        "url": delivery.url,
        "event_type": delivery.event_type,
        "webhook_id": delivery.message_id,
        "job_id": str(delivery.job_id) if delivery.job_id else None,
        "status": delivery.status,
        "attempts": delivery.attempts_made,
        "next_attempt_at": delivery.next_attempt_at,
        "last_status_code": delivery.last_status_code,
        "outcome": delivery.outcome or None,
        "resent_from": str(delivery.resent_from_id) if delivery.resent_from_id else None,
        "created_at": delivery.created_at,
        "finished_at": delivery.finished_at,
    }
    if attempts is not None:
        body["payload"] = json.loads(delivery.payload)
        body["attempt_log"] = [attempt_output(a) for a in attempts]
    return body
