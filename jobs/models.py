from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models

from billing.models import CreditField


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    COMPLETED = "completed", "Completed"
    FAILED = "failed", "Failed"
    CANCELED = "canceled", "Canceled"


FINISHED_STATUSES = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED})


class JobType(models.TextChoices):
    """Gumzo's job types: Verbatim keeps every word, Smart drops fillers, Summary adds
    a summary and topics."""

    VERBATIM = "verbatim", "Verbatim"
    SMART = "smart", "Smart"
    SUMMARY = "summary", "Summary"


class TranscriptionJob(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="jobs"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0)

    # What was asked for.
    engine = models.CharField(max_length=40)
    language = models.CharField(max_length=12, default="en")
    job_type = models.CharField(max_length=10, choices=JobType.choices, default=JobType.VERBATIM)
    diarization = models.BooleanField(default=False)
    timestamps = models.BooleanField(default=True)
    word_timestamps = models.BooleanField(default=False)
    summary_requested = models.BooleanField(default=False)
    vocabulary = models.JSONField(default=list, blank=True)
    webhook_url = models.URLField(max_length=500, blank=True)

    # The media: stored under a generated key, never the client's file name.
    media = models.FileField(max_length=255, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    media_format = models.CharField(max_length=40, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    duration_seconds = models.FloatField(default=0)

    # Money.
    estimated_credits = CreditField(default=Decimal("0"))
    credits_used = CreditField(null=True, blank=True)

    # Results.
    transcript_text = models.TextField(blank=True)
    summary = models.TextField(blank=True)
    topics = models.JSONField(default=list, blank=True)
    detected_language = models.CharField(max_length=12, blank=True)
    error_message = models.TextField(blank=True)

    # The worker's claim: each claim bumps ``attempts``; only the holder of the current
    # attempt may finish the job, and an expired lease lets another worker take over.
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["organization", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.original_filename or self.id} ({self.status})"

    @property
    def billing_reference(self) -> str:
        return f"job:{self.id}"

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES


class TranscriptSegment(models.Model):
    job = models.ForeignKey(TranscriptionJob, on_delete=models.CASCADE, related_name="segments")
    index = models.PositiveIntegerField()
    start = models.FloatField()
    end = models.FloatField()
    text = models.TextField()
    speaker = models.CharField(max_length=60, blank=True)
    confidence = models.FloatField(default=0)
    # [{"word", "start", "end", "confidence"}]: words are read with their segment,
    # never queried on their own, so a row per word would only cost joins.
    words = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("job", "index")
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="one_segment_per_index")
        ]

    def __str__(self) -> str:
        return f"{self.start:.2f}-{self.end:.2f} {self.text[:40]}"
