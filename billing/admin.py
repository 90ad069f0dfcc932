from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from billing.models import Hold, LedgerEntry, Wallet


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Money records change only through billing services, never by editing rows."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ("organization", "balance", "updated_at")
    search_fields = ("organization__name",)
    list_select_related = ("organization",)


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "wallet", "kind", "amount", "balance_after", "description",
                    "reference", "created_by")  # fmt: skip
    list_filter = ("kind", "created_at")
    search_fields = ("wallet__organization__name", "description", "reference")
    list_select_related = ("wallet__organization", "created_by")
    date_hierarchy = "created_at"


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "wallet", "amount", "status", "captured_amount", "reference",
                    "settled_at")  # fmt: skip
    list_filter = ("status", "created_at")
    search_fields = ("wallet__organization__name", "reference")
    list_select_related = ("wallet__organization",)
