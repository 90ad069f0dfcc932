from __future__ import annotations

from django.urls import include, path

from jobs.api.batch import TranscriptionBatchApi
from jobs.api.organize import TagDetailApi, TagListCreateApi
from jobs.api.quote import QuoteApi
from jobs.api.reference import LanguageListApi, ModelListApi
from jobs.api.url_views import TranscriptionFromUrlApi
from jobs.api.views import (
    TranscriptionCancelApi,
    TranscriptionDetailApi,
    TranscriptionListCreateApi,
)
from jobs.transcripts.search.api import TranscriptSearchApi

urlpatterns = [
    path("transcribe/", TranscriptionListCreateApi.as_view(), name="api-transcribe"),
    # Before the detail route, which would take "url" for a job id.
    path("transcribe/url/", TranscriptionFromUrlApi.as_view(), name="api-transcribe-url"),
    path("transcribe/batch/", TranscriptionBatchApi.as_view(), name="api-transcribe-batch"),
    path("transcribe/<str:job_id>/", TranscriptionDetailApi.as_view(), name="api-transcription"),
    path("transcribe/<str:job_id>/cancel/", TranscriptionCancelApi.as_view(), name="api-cancel"),
    path("transcribe/<str:job_id>/transcript/", include("jobs.transcripts.api.urls")),
    path("translate/", include("jobs.translation.api.urls")),
    path("tags/", TagListCreateApi.as_view(), name="api-tags"),
    path("tags/<str:tag_id>/", TagDetailApi.as_view(), name="api-tag"),
    path("languages/", LanguageListApi.as_view(), name="api-languages"),
    path("models/", ModelListApi.as_view(), name="api-models"),
    path("quote/", QuoteApi.as_view(), name="api-quote"),
    path("search/", TranscriptSearchApi.as_view(), name="api-search"),
]
