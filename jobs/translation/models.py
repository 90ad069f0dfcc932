"""A translation job: one transcript of a completed transcription job, into one language.

It is queued work like a transcription job (status, attempts, lease) and is billed the
same way (a hold at order, captured on completion, released on failure); its result is a
``Transcript`` of kind ``translated`` whose segments mirror the source's.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models

from billing.models import CreditField
from jobs.models import JobStatus, QueuedWork


class TranslationJob(QueuedWork):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # A translation reads a transcript already stored: it never fetches media.
    status = models.CharField(
        max_length=12,
        choices=[c for c in JobStatus.choices if c[0] != JobStatus.FETCHING],
        default=JobStatus.QUEUED,
        db_index=True,
    )
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="translations"
    )
    source_job = models.ForeignKey(
        "jobs.TranscriptionJob", on_delete=models.CASCADE, related_name="translations"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_language = models.CharField(max_length=12)
    to_language = models.CharField(max_length=12)
    # What was asked for ("auto" or a translator's name) and the translators to try.
    engine = models.CharField(max_length=40, default="auto")
    prefer = models.CharField(max_length=10, blank=True)
    route = models.JSONField(default=list, blank=True)
    # The translators called, in order (those that failed, then the one that served).
    providers = models.JSONField(default=list, blank=True)
    # The source transcript's version that was translated, and its words (the price).
    source_version = models.PositiveIntegerField(default=1)
    words = models.PositiveIntegerField(default=0)
    webhook_url = models.URLField(max_length=500, blank=True)

    estimated_credits = CreditField(default=Decimal("0"))
    credits_used = CreditField(null=True, blank=True)
    error_message = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.from_language}→{self.to_language} of {self.source_job_id} ({self.status})"

    @property
    def billing_reference(self) -> str:
        return f"translation:{self.id}"
