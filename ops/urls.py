from __future__ import annotations

from django.urls import path

from ops import views

urlpatterns = [
    path("health/", views.health, name="health"),
    # No trailing slash: Prometheus' default metrics_path.
    path("metrics", views.metrics, name="metrics"),
]
