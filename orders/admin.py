"""Staff see orders, the organization settings and every callback attempt; money and
status move only through the services, so these are read-only."""

from __future__ import annotations

from django.contrib import admin

from orders.models import CallbackAttempt, Order, OrderCallback, OrderSettings


class CallbackAttemptInline(admin.TabularInline):  # type: ignore[type-arg]
    model = CallbackAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("number", "at", "status_code", "response_excerpt", "error", "succeeded")


@admin.register(OrderCallback)
class OrderCallbackAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "organization", "order", "url", "status", "attempts", "created_at")
    list_filter = ("status",)
    readonly_fields = ("organization", "order", "url", "fields", "message_id", "status",
                       "attempts", "next_attempt_at")  # fmt: skip
    inlines = [CallbackAttemptInline]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("id", "organization", "type", "status", "order_total", "delivery_estimate")
    list_filter = ("type", "status")
    search_fields = ("id", "organization__name", "source_url")
    readonly_fields = [f.name for f in Order._meta.fields]


@admin.register(OrderSettings)
class OrderSettingsAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ("organization", "callback_url", "updated_at")
