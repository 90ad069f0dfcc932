"""``/api/v1/translate/…``: Gumzo's translation endpoints."""

from __future__ import annotations

from django.urls import path

from jobs.translation.api import views

urlpatterns = [
    path("", views.TranslationListCreateApi.as_view(), name="api-translate"),
    path("<str:translation_id>/", views.TranslationDetailApi.as_view(), name="api-translation"),
    path("<str:translation_id>/cancel/", views.TranslationCancelApi.as_view(),
         name="api-translation-cancel"),
]  # fmt: skip
