"""What the review desk shows; every read checks the reader is a reviewer."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Organization
from jobs.models import JobStatus, TranscriptionJob
from review.models import OPEN_STATUSES, ReviewTask
from review.services import reviewer_require


def desk_tasks(reviewer: object) -> QuerySet[ReviewTask]:
    """Open tasks whose AI draft is ready, soonest deadline first."""
    reviewer_require(reviewer)
    return (
        ReviewTask.objects.filter(status__in=OPEN_STATUSES, job__status=JobStatus.COMPLETED)
        .select_related("job", "organization", "reviewer")
        .order_by("due_at", "id")
    )


def is_late(task: ReviewTask, now: datetime | None = None) -> bool:
    return task.is_open and task.due_at < (now or timezone.now())


def reviews_of(organization: Organization, job: TranscriptionJob) -> QuerySet[ReviewTask]:
    """The job's reviews, for its owner's pages."""
    return ReviewTask.objects.filter(organization=organization, job=job).order_by("-created_at")
