from __future__ import annotations

from django.urls import URLPattern, path

from jobs.organization_data.api import ExportApi, OrganizationSettingsApi, RetentionApi

urlpatterns: list[URLPattern] = [
    path("organization/", OrganizationSettingsApi.as_view(), name="api-organization"),
    path("retention/", RetentionApi.as_view(), name="api-retention"),
    path("export/", ExportApi.as_view(), name="api-export"),
]
