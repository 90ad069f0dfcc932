"""Hark's admin site: Django's, with the staff overview on its index page."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils import timezone

from ops.staff import staff_overview


class HarkAdminSite(admin.AdminSite):
    site_header = "Hark administration"
    site_title = "Hark admin"
    index_title = "Overview"

    def index(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> TemplateResponse:
        context = {**(extra_context or {}), "overview": staff_overview(now=timezone.now())}
        return super().index(request, context)
