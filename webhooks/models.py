"""Outbound webhooks (endpoints, deliveries, attempts) and inbound provider callbacks.

A delivery is one message to one URL; it keeps the exact body it signs, so every retry
and every resend sends the same bytes under the same ``webhook-id``. An attempt is one
HTTP request of a delivery, recorded whatever happened to it.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models


class RotatableSecret(models.Model):
    """A signing secret that can be replaced while the old one keeps signing for a while,
    so receivers can switch without losing a message."""

    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    def signing_secrets(self, now: datetime) -> list[str]:
        """The secrets to sign with now, current first."""
        expires = self.previous_secret_expires_at
        if self.previous_secret and expires is not None and expires > now:
            return [self.secret, self.previous_secret]
        return [self.secret]

    @property
    def secret_hint(self) -> str:
        return f"{self.secret[:10]}…" if self.secret else ""


class Endpoint(RotatableSecret):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    # Event type names from webhooks.events.EVENT_TYPES.
    events = models.JSONField(default=list)
    # Leave the transcript out of job events (receivers fetch it from result_url).
    thin_payload = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True)
    # Deliveries in a row that used up every attempt; reset by any success.
    failed_deliveries_in_a_row = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "webhook endpoint"

    def __str__(self) -> str:
        return self.url


class SigningSecret(RotatableSecret):
    """The organization's secret, which signs deliveries to jobs' own ``webhook_url``."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="webhook_signing_secret"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    rotated_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Signing secret of {self.organization}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class Delivery(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="webhook_deliveries"
    )
    # None for a job's own webhook_url.
    endpoint = models.ForeignKey(
        Endpoint, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    url = models.URLField(max_length=500)
    event_type = models.CharField(max_length=60)
    # The Standard Webhooks ``webhook-id``: the same on every attempt and every resend.
    message_id = models.CharField(max_length=40, db_index=True)
    # Not a foreign key: the log outlives a deleted job.
    job_id = models.UUIDField(null=True, blank=True, db_index=True)
    payload = models.TextField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts_made = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Set while a worker makes an attempt; a lapsed lease means that worker was lost.
    leased_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(max_length=255, blank=True)
    resent_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name_plural = "deliveries"
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            models.Index(fields=["status", "next_attempt_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.url} ({self.status})"


class AttemptOutcome(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUCCESS = "success", "Success"
    HTTP_ERROR = "http_error", "Error response"
    TIMEOUT = "timeout", "Timed out"
    REFUSED = "refused", "Refused by the address guard"
    NETWORK_ERROR = "network_error", "Could not connect"
    INTERRUPTED = "interrupted", "Interrupted (worker stopped)"


class Attempt(models.Model):
    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    started_at = models.DateTimeField()
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    outcome = models.CharField(
        max_length=15, choices=AttemptOutcome.choices, default=AttemptOutcome.IN_PROGRESS
    )
    error = models.CharField(max_length=500, blank=True)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ("delivery", "number")
        constraints = [
            models.UniqueConstraint(fields=["delivery", "number"], name="one_attempt_per_number")
        ]

    def __str__(self) -> str:
        return f"attempt {self.number} of {self.delivery_id}: {self.outcome}"


class InboundCallback(models.Model):
    """One accepted provider callback; its key makes a replay change nothing."""

    provider = models.CharField(max_length=40)
    job_id = models.UUIDField(db_index=True)
    dedupe_key = models.CharField(max_length=128)
    received_at = models.DateTimeField(auto_now_add=True)
    reply_status = models.PositiveSmallIntegerField(default=200)
    reply_body = models.TextField(blank=True)
    reply_content_type = models.CharField(max_length=100, blank=True)
    body_excerpt = models.TextField(blank=True)
    replays = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ("-received_at",)
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "job_id", "dedupe_key"], name="one_callback_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} callback for job {self.job_id}"
