"""Human review of an AI transcript: the desk's queue of tasks."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class ReviewStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    CLAIMED = "claimed", "Claimed"
    DELIVERED = "delivered", "Delivered"
    REFUNDED = "refunded", "Refunded"


class ReviewSource(models.TextChoices):
    ORDER = "order", "Order (API)"
    WORKSPACE = "workspace", "Workspace"


OPEN_STATUSES = (ReviewStatus.QUEUED, ReviewStatus.CLAIMED)


class ReviewTask(models.Model):
    """One transcript (or some of its segments) for a reviewer to correct by ``due_at``.

    Status moves only through ``review.services``, each move a conditional UPDATE:
    queued → claimed (one reviewer) → delivered or refunded; a claim past
    ``claim_expires_at`` goes back to queued (``review.tasks.release_abandoned_claims``).
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="review_tasks"
    )
    job = models.ForeignKey(
        "jobs.TranscriptionJob", on_delete=models.CASCADE, related_name="review_tasks"
    )
    status = models.CharField(
        max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.QUEUED, db_index=True
    )
    source = models.CharField(
        max_length=10, choices=ReviewSource.choices, default=ReviewSource.ORDER
    )
    due_at = models.DateTimeField(db_index=True)
    comment = models.TextField(blank=True)
    # Segment keys (TranscriptSegment.key) to review; null: the whole transcript.
    segment_ids = models.JSONField(null=True, blank=True)
    # The billing hold the requester placed; captured on delivery, released on refund.
    hold_reference = models.CharField(max_length=100, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="review_tasks",
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    refund_reason = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("due_at", "id")
        permissions = [("review_orders", "Can work on the review desk")]

    def __str__(self) -> str:
        return f"Review {self.pk} of {self.job_id} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
