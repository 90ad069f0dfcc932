"""``/review/…``: the review desk (pages, and the editor's API for a claimed task)."""

from __future__ import annotations

from django.urls import include, path

from review.pages import editing, views, workspace

transcript = [
    path("", editing.TranscriptApi, name="review-transcript"),
    path("segments/<str:segment_id>/", editing.SegmentApi),
    path("segments/<str:segment_id>/split/", editing.SegmentSplitApi),
    path("segments/<str:segment_id>/merge/", editing.SegmentMergeApi),
    path("speakers/", editing.SpeakerListApi),
    path("speakers/<str:speaker_id>/", editing.SpeakerApi),
    path("replace/", editing.ReplaceApi),
    path("undo/", editing.UndoApi),
    path("redo/", editing.RedoApi),
    path("revisions/", editing.RevisionListApi),
    path("revisions/<int:version>/restore/", editing.RevisionRestoreApi),
]

urlpatterns = [
    path("jobs/<uuid:job_id>/review/", workspace.job_review, name="job-review"),
    path("review/", views.desk, name="review-desk"),
    path("review/<int:task_id>/", views.task_page, name="review-task"),
    path("review/<int:task_id>/claim/", views.task_claim, name="review-claim"),
    path("review/<int:task_id>/deliver/", views.task_deliver, name="review-deliver"),
    path("review/<int:task_id>/refund/", views.task_refund, name="review-refund"),
    path("review/<int:task_id>/audio", views.task_audio, name="review-audio"),
    path("review/<int:task_id>/transcript/", include(transcript)),
]
