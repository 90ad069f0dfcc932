from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from ops.models import WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Which worker processes are alive, on which machines: written by the workers only."""

    list_display = ("name", "host", "pid", "started_at", "seen_at")
    list_filter = ("host",)
    search_fields = ("name", "host")
    date_hierarchy = "seen_at"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
