from __future__ import annotations

from django.urls import URLPattern, path

from orders.pages import views

urlpatterns: list[URLPattern] = [
    path("settings/orders-api/", views.orders_settings, name="orders-settings"),
    path("settings/orders-api/test/", views.orders_test_callback, name="orders-test-callback"),
]
