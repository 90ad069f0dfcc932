"""Browser pages, gathered from each app."""

from __future__ import annotations

from django.urls import include, path

urlpatterns = [
    path("", include("jobs.pages.urls")),
    path("", include("accounts.pages.urls")),
    path("", include("billing.pages.urls")),
    path("", include("orders.pages.urls")),
    path("", include("review.pages.urls")),
]
