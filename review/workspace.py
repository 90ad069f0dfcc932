"""Review of just the doubtful segments, ordered by the customer from the workspace.

Quoted first (nothing is charged or created), then ordered: a hold for the quoted price
and a review task limited to those segments. The price is per minute of the segments a
reviewer will hear (``HARK_REVIEW_PRICE_PER_MINUTE``), not of the whole recording.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_UP, Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from accounts.permissions import ActorLike, Capability, require
from billing.pricing import CENT
from billing.services import hold_place
from jobs.errors import JobConflict
from jobs.models import JobStatus, TranscriptionJob
from jobs.selectors import job_get
from jobs.transcripts.models import Segment
from jobs.transcripts.selectors import LOW_CONFIDENCE, transcript_current
from review.models import OPEN_STATUSES, ReviewSource, ReviewTask
from review.services import request_review


@dataclass(frozen=True)
class ReviewQuote:
    job: TranscriptionJob
    segment_ids: list[str]
    seconds: float
    credits: Decimal
    due_at: datetime

    @property
    def price_per_minute(self) -> Decimal:
        price: Decimal = settings.HARK_REVIEW_PRICE_PER_MINUTE
        return price


def doubtful_segments(job: TranscriptionJob) -> list[Segment]:
    """The current transcript's segments with a word the engine was unsure of (the same
    threshold the editor marks), in order."""
    transcript = transcript_current(job)
    if transcript is None:
        return []
    return [
        row
        for row in Segment.objects.filter(transcript=transcript).order_by("position")
        if any(
            float(word.get("confidence", 1.0)) < LOW_CONFIDENCE and word.get("aligned", True)
            for word in row.words
        )
    ]


def review_quote(
    *, organization: Organization, job_id: object, actor: ActorLike, now: datetime | None = None
) -> ReviewQuote:
    """What reviewing the job's doubtful segments would cost; charges and creates nothing.
    JobNotFound for another organization's job, JobConflict when there is nothing to
    review yet."""
    require(actor, organization, Capability.JOBS_CREATE)
    job = job_get(organization, job_id)
    if job.status != JobStatus.COMPLETED:
        raise JobConflict(
            f"This job is {job.status}; its transcript can be reviewed once it completes."
        )
    segments = doubtful_segments(job)
    if not segments:
        raise JobConflict(
            "No segment of this transcript has a doubtful word: there is nothing to review."
        )
    if ReviewTask.objects.filter(
        organization=organization, job=job, status__in=OPEN_STATUSES
    ).exists():
        raise JobConflict("A review of this transcript is already on its way.")
    seconds = sum(max(row.end - row.start, 0.0) for row in segments)
    credits = (Decimal(str(seconds)) / 60 * settings.HARK_REVIEW_PRICE_PER_MINUTE).quantize(
        CENT, rounding=ROUND_UP
    )
    due_at = (now or timezone.now()) + timedelta(hours=settings.HARK_REVIEW_TURNAROUND_HOURS)
    return ReviewQuote(
        job=job,
        segment_ids=[str(row.key) for row in segments],
        seconds=round(seconds, 3),
        credits=credits,
        due_at=due_at,
    )


def review_order(
    *,
    organization: Organization,
    job_id: object,
    actor: ActorLike,
    comment: str = "",
    now: datetime | None = None,
) -> tuple[ReviewQuote, ReviewTask]:
    """Order the quoted review: hold its price and queue the task for a reviewer.
    Raises InsufficientCredits (nothing held or queued) when the wallet cannot cover it."""
    with transaction.atomic():
        quote = review_quote(organization=organization, job_id=job_id, actor=actor, now=now)
        reference = f"review:{uuid.uuid4()}"
        task = request_review(
            job=quote.job,
            due_at=quote.due_at,
            comment=comment[:2000],
            hold_reference=reference,
            segment_ids=quote.segment_ids,
            source=ReviewSource.WORKSPACE,
        )
        # Last: the wallet row stays locked from here to commit (billing.services).
        hold_place(
            organization=organization, amount=quote.credits, reference=reference, work="review"
        )
    return quote, task
