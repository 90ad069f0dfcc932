"""The job page's "Human review" card, drawn by the review app so jobs need not know it."""

from __future__ import annotations

from typing import Any

from django import template

from accounts.models import Organization
from jobs.models import JobStatus, TranscriptionJob
from review.selectors import reviews_of

register = template.Library()


@register.inclusion_tag("review/_job_card.html")
def job_reviews(organization: Organization, job: TranscriptionJob) -> dict[str, Any]:
    return {
        "job": job,
        "reviews": list(reviews_of(organization, job)) if organization else [],
        "completed": job.status == JobStatus.COMPLETED,
    }
