from __future__ import annotations

from django.urls import URLPattern, path

from billing.pages import views

urlpatterns: list[URLPattern] = [
    path("wallet/", views.wallet, name="wallet"),
]
