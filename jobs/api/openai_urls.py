from __future__ import annotations

from django.urls import path

from jobs.api.openai_compat import OpenAIModelListApi, OpenAITranscriptionApi, OpenAITranslationApi

urlpatterns = [
    path("audio/transcriptions", OpenAITranscriptionApi.as_view(), name="openai-transcriptions"),
    path("audio/translations", OpenAITranslationApi.as_view(), name="openai-translations"),
    path("models", OpenAIModelListApi.as_view(), name="openai-models"),
]
