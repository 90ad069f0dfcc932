from __future__ import annotations

from django.urls import URLPattern, path

from billing.pages import views

urlpatterns: list[URLPattern] = [
    path("wallet/", views.wallet, name="wallet"),
    path("wallet/top-up/", views.topup_begin, name="topup-begin"),
    path("wallet/top-up/success/", views.topup_success, name="topup-success"),
    path("wallet/top-up/cancel/", views.topup_cancel, name="topup-cancel"),
    path("usage/", views.usage, name="usage"),
    path("usage/export.csv", views.usage_export, name="usage-export"),
    path("pricing/", views.pricing, name="pricing"),
]
