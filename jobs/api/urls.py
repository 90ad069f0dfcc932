from __future__ import annotations

from django.urls import path

from jobs.api.reference import LanguageListApi, ModelListApi
from jobs.api.views import (
    TranscriptionCancelApi,
    TranscriptionDetailApi,
    TranscriptionListCreateApi,
)

urlpatterns = [
    path("transcribe/", TranscriptionListCreateApi.as_view(), name="api-transcribe"),
    path("transcribe/<str:job_id>/", TranscriptionDetailApi.as_view(), name="api-transcription"),
    path("transcribe/<str:job_id>/cancel/", TranscriptionCancelApi.as_view(), name="api-cancel"),
    path("languages/", LanguageListApi.as_view(), name="api-languages"),
    path("models/", ModelListApi.as_view(), name="api-models"),
]
