from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from webhooks.models import Attempt, Delivery, Endpoint, InboundCallback, SigningSecret


class LogAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Delivery records are evidence of what was sent; staff read them, never edit."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = (
        "url",
        "organization",
        "enabled",
        "events",
        "thin_payload",
        "failed_deliveries_in_a_row",
        "created_at",
    )
    list_filter = ("enabled", "thin_payload", "created_at")
    search_fields = ("url", "description", "organization__name")
    list_select_related = ("organization",)
    # Secrets are not shown; owners rotate them from their page.
    exclude = ("secret", "previous_secret")
    # The URL changes only through the page or the API, where the SSRF guard checks it.
    readonly_fields = (
        "url",
        "organization",
        "created_by",
        "previous_secret_expires_at",
        "failed_deliveries_in_a_row",
        "created_at",
        "updated_at",
    )


@admin.register(SigningSecret)
class SigningSecretAdmin(LogAdmin):
    list_display = ("organization", "created_at", "rotated_at", "previous_secret_expires_at")
    search_fields = ("organization__name",)
    list_select_related = ("organization",)
    exclude = ("secret", "previous_secret")


class AttemptInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Attempt
    extra = 0
    fields = (
        "number",
        "started_at",
        "outcome",
        "status_code",
        "duration_ms",
        "error",
        "response_excerpt",
    )
    readonly_fields = fields
    can_delete = False
    max_num = 0


@admin.register(Delivery)
class DeliveryAdmin(LogAdmin):
    list_display = (
        "created_at",
        "organization",
        "event_type",
        "url",
        "status",
        "attempts_made",
        "last_status_code",
        "next_attempt_at",
    )
    list_filter = ("status", "event_type", "created_at")
    search_fields = ("url", "message_id", "job_id", "organization__name")
    list_select_related = ("organization",)
    date_hierarchy = "created_at"
    inlines = (AttemptInline,)


@admin.register(Attempt)
class AttemptAdmin(LogAdmin):
    list_display = ("started_at", "delivery", "number", "outcome", "status_code", "duration_ms")
    list_filter = ("outcome", "started_at")
    search_fields = ("delivery__url", "delivery__message_id", "error")
    list_select_related = ("delivery",)


@admin.register(InboundCallback)
class InboundCallbackAdmin(LogAdmin):
    list_display = ("received_at", "provider", "job_id", "reply_status", "replays")
    list_filter = ("provider", "received_at")
    search_fields = ("job_id", "dedupe_key")
