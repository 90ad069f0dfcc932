"""``/api/v1/translate/…``: Gumzo's translation endpoints."""

from __future__ import annotations

from django.urls import include, path

from jobs.translation.api import views

urlpatterns = [
    path("", views.TranslationListCreateApi.as_view(), name="api-translate"),
    path("<str:translation_id>/", views.TranslationDetailApi.as_view(), name="api-translation"),
    path("<str:translation_id>/cancel/", views.TranslationCancelApi.as_view(),
         name="api-translation-cancel"),
    # Fixing a translated line: the transcript editing API, on the translation's text
    # (reversed as "translation-transcript:api-transcript" and so on).
    path("<str:translation_id>/transcript/",
         include(("jobs.transcripts.api.urls", "translation-transcript"))),
]  # fmt: skip
