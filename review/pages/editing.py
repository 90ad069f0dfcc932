"""The transcript editing API for a reviewer: the workspace editor's own routes under
``/review/{task_id}/transcript/``, with the job found through the reviewer's claimed task
instead of the caller's organization (a reviewer is staff, not a customer's member).

Each view is the workspace's view with ``ReviewEditing`` in front, so a reviewer's edits
go through the same services, versions and revision log, signed by the reviewer.
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.permissions import PermissionDenied
from config.api import WRITE_METHODS
from jobs.transcripts.api import views as workspace
from jobs.transcripts.services.editing import Editable, Editor
from review.models import ReviewTask
from review.services import claim_require, is_reviewer, review_editor, task_for_reviewer

OUTSIDE_THE_REVIEW = (
    "This review covers only the doubtful segments; the others are there for context."
)


class IsReviewer(BasePermission):
    def has_permission(self, request: Request, view: APIView) -> bool:
        return is_reviewer(request.user)


class ReviewEditing(workspace.TranscriptEditingApi):
    permission_classes = [IsReviewer]
    schema = None  # the workspace routes document these; the desk's copy is internal

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        task = self.task
        # Reading needs the claim as much as writing: the desk shows a transcript only
        # to the reviewer working on it.
        claim_require(task, request.user)
        if task.segment_ids is not None and request.method in WRITE_METHODS:
            segment = str(kwargs.get("segment_id", "")).lower()
            if segment and segment not in task.segment_ids:
                raise PermissionDenied(OUTSIDE_THE_REVIEW)
            if isinstance(self, workspace.ReplaceApi):
                raise PermissionDenied(OUTSIDE_THE_REVIEW)

    @property
    def task(self) -> ReviewTask:
        cached: ReviewTask | None = getattr(self, "_task", None)
        if cached is None:
            cached = task_for_reviewer(self.request.user, self.kwargs["task_id"])
            self._task = cached
        return cached

    def subject(self) -> Editable:
        return self.task.job

    @property
    def editor(self) -> Editor:
        return review_editor(self.task, self.request.user)


def _for_review(view: type[workspace.TranscriptEditingApi]) -> Any:
    reviewing: type[workspace.TranscriptEditingApi] = type(
        f"Review{view.__name__}", (ReviewEditing, view), {}
    )
    return reviewing.as_view()


TranscriptApi = _for_review(workspace.TranscriptApi)
SegmentApi = _for_review(workspace.SegmentApi)
SegmentSplitApi = _for_review(workspace.SegmentSplitApi)
SegmentMergeApi = _for_review(workspace.SegmentMergeApi)
SpeakerListApi = _for_review(workspace.SpeakerListApi)
SpeakerApi = _for_review(workspace.SpeakerApi)
ReplaceApi = _for_review(workspace.ReplaceApi)
UndoApi = _for_review(workspace.UndoApi)
RedoApi = _for_review(workspace.RedoApi)
RevisionListApi = _for_review(workspace.RevisionListApi)
RevisionRestoreApi = _for_review(workspace.RevisionRestoreApi)
