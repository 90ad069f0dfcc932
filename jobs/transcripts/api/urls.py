"""``/api/v1/transcribe/{job_id}/transcript/…``: the transcript editing API."""

from __future__ import annotations

from django.urls import path

from jobs.transcripts.api import views

urlpatterns = [
    path("", views.TranscriptApi.as_view(), name="api-transcript"),
    path("segments/<str:segment_id>/", views.SegmentApi.as_view(), name="api-segment"),
    path("segments/<str:segment_id>/split/", views.SegmentSplitApi.as_view(),
         name="api-segment-split"),
    path("segments/<str:segment_id>/merge/", views.SegmentMergeApi.as_view(),
         name="api-segment-merge"),
    path("speakers/", views.SpeakerListApi.as_view(), name="api-speakers"),
    path("speakers/<str:speaker_id>/", views.SpeakerApi.as_view(), name="api-speaker"),
    path("replace/", views.ReplaceApi.as_view(), name="api-transcript-replace"),
    path("undo/", views.UndoApi.as_view(), name="api-transcript-undo"),
    path("redo/", views.RedoApi.as_view(), name="api-transcript-redo"),
    path("revisions/", views.RevisionListApi.as_view(), name="api-revisions"),
    path("revisions/<int:version>/restore/", views.RevisionRestoreApi.as_view(),
         name="api-revision-restore"),
]  # fmt: skip
