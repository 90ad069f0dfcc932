from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from billing.models import CreditField


class JobStatus(models.TextChoices):
    # A job asked for by URL whose media a worker is downloading: nothing is held yet,
    # since its price is known only once the media is measured.
    FETCHING = "fetching", "Fetching media…"
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


class JobTask(models.TextChoices):
    """What the engine is asked to produce: the speech as spoken, (Whisper's speech
    translation) English text from speech in another language, or the timings of a text
    the customer already has (``prompt`` holds it, one segment a line; no engine runs:
    ``jobs.alignment.known_text``) — for proofreading, checked first against what is
    said (``jobs.alignment.proofreading``)."""

    TRANSCRIBE = "transcribe", "Transcribe"
    TRANSLATE = "translate", "Translate to English"
    ALIGN = "align", "Align a known text"
    PROOFREAD = "proofread", "Align a known text to proofread"

    @classmethod
    def known_text(cls) -> frozenset[str]:
        """The tasks whose text is the customer's own, aligned rather than transcribed."""
        return frozenset({cls.ALIGN, cls.PROOFREAD})


class Parked(models.Model):
    """Waiting on an asynchronous upstream that will call back (``jobs.services.parked``).

    While ``parked_reference`` is set on a processing job (or chunk), no worker holds it:
    ``parked_provider`` (the ``parked_position``-th of the route) has the work under that
    reference, since ``parked_at`` (when the attempt began); ``lease_expires_at`` is the
    end of its budget. The task its callback (or the sweeper's poll) queues takes it back
    by clearing the reference with a conditional update, so only one task finishes it.
    """

    parked_provider = models.CharField(max_length=40, blank=True)
    parked_reference = models.CharField(max_length=200, blank=True, db_index=True)
    parked_position = models.PositiveSmallIntegerField(default=0)
    parked_at = models.DateTimeField(null=True, blank=True)
    # When the sweeper last asked the upstream, in case its callback was lost.
    parked_polled_at = models.DateTimeField(null=True, blank=True)
    # Seconds of audio sent; what the result is billed by.
    parked_seconds = models.FloatField(default=0)

    class Meta:
        abstract = True


class QueuedWork(models.Model):
    """What every kind of queued work shares (transcription jobs, translations): its state,
    the worker's lease and the attempts. Only ``jobs.lifecycle`` writes these fields, one
    conditional update per named transition.

    Each claim bumps ``attempts``; only the holder of the current attempt may finish the
    work, and an expired lease lets another worker (or the sweeper) take it over. Queued
    work that failed transiently waits until ``retry_at`` for its next attempt.
    """

    status = models.CharField(
        max_length=12, choices=JobStatus.choices, default=JobStatus.QUEUED, db_index=True
    )
    progress = models.PositiveSmallIntegerField(default=0)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    retry_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_finished(self) -> bool:
        return self.status in FINISHED_STATUSES


class TranscriptionJob(QueuedWork, Parked):
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
    # What was asked for.
    engine = models.CharField(max_length=40)
    language = models.CharField(max_length=12, default="en")
    job_type = models.CharField(max_length=10, choices=JobType.choices, default=JobType.VERBATIM)
    diarization = models.BooleanField(default=False)
    timestamps = models.BooleanField(default=True)
    word_timestamps = models.BooleanField(default=False)
    summary_requested = models.BooleanField(default=False)
    vocabulary = models.JSONField(default=list, blank=True)
    # OpenAI's ``prompt``: earlier text or a style for the engine to follow.
    prompt = models.TextField(blank=True)
    task = models.CharField(max_length=10, choices=JobTask.choices, default=JobTask.TRANSCRIBE)
    # The most speakers to tell apart (GoTranscript's number_of_speakers); None: no limit.
    max_speakers = models.PositiveSmallIntegerField(null=True, blank=True)
    webhook_url = models.URLField(max_length=500, blank=True)

    # What people call it on the dashboard; empty: the file name stands in
    # (``display_name``). Never used for storage, which is keyed by id.
    name = models.CharField(max_length=200, blank=True)
    tags = models.ManyToManyField("jobs.Tag", blank=True, related_name="jobs")

    # The media: stored under a generated key, never the client's file name.
    media = models.FileField(max_length=255, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    media_format = models.CharField(max_length=40, blank=True)
    size_bytes = models.BigIntegerField(default=0)
    duration_seconds = models.FloatField(default=0)
    # When the organization's retention removed the media while keeping the transcript;
    # the page says so instead of offering a player for audio that is gone.
    media_deleted_at = models.DateTimeField(null=True, blank=True)

    # Money.
    estimated_credits = CreditField(default=Decimal("0"))
    credits_used = CreditField(null=True, blank=True)
    # A translation ordered with the transcription (``jobs.translation.services``): its
    # target, and its estimated price, held with ``estimated_credits`` until the
    # transcript is stored and the translation is queued on its real words.
    translate_to = models.CharField(max_length=12, blank=True)
    translation_credits = CreditField(default=Decimal("0"))
    # The hold reference of the order this job fulfils (``orders``): the order holds and
    # charges its own price, so the job neither holds nor charges anything itself.
    paid_by = models.CharField(max_length=80, blank=True)

    # Results live in ``jobs.transcripts`` (a Transcript per version); only why it failed
    # is the job's own.
    error_message = models.TextField(blank=True)

    # Routing (``model=auto``, GateFlow's ``prefer`` and ``fallbacks``) and what served it.
    prefer = models.CharField(max_length=10, blank=True)
    # The providers to try, in order: the chosen one, then its fallbacks.
    route = models.JSONField(default=list, blank=True)
    # The providers that served it, most of the audio first.
    providers = models.JSONField(default=list, blank=True)
    # GoTranscript's from/till: only this stretch of the media is transcribed and priced.
    trim_start = models.FloatField(default=0)
    trim_end = models.FloatField(null=True, blank=True)
    # Where the media was fetched from, for jobs created from a URL.
    source_url = models.URLField(max_length=2000, blank=True)
    # Long audio is transcribed in chunks; progress counts them.
    chunks_total = models.PositiveIntegerField(default=0)
    chunks_done = models.PositiveIntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            # /metrics: jobs counted by state from the index alone, and the recently
            # completed ones (durations, real-time factors) found without a table scan.
            models.Index(fields=["status", "finished_at"], name="job_status_finished"),
        ]

    def __str__(self) -> str:
        return f"{self.original_filename or self.id} ({self.status})"

    @property
    def billing_reference(self) -> str:
        return f"job:{self.id}"

    @property
    def display_name(self) -> str:
        return self.name or self.original_filename or "Untitled recording"


class Tag(models.Model):
    """A label an organization puts on its jobs to find them again (``jobs.services.organize``).

    Names are unique per organization, ignoring case, so "Interviews" and "interviews"
    are one tag; another organization's tags are never seen or matched.
    """

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="tags"
    )
    name = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("name", "id")
        constraints = [
            models.UniqueConstraint(
                "organization", Lower("name"), name="one_tag_name_per_organization"
            )
        ]

    def __str__(self) -> str:
        return self.name


class ChunkStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    PROCESSING = "processing", "Processing"
    COMPLETED = "completed", "Completed"
    # No sound at all (digital silence): nothing to send anywhere.
    SKIPPED = "skipped", "Skipped (silent)"


class TranscriptionChunk(Parked):
    """One stretch of a long job's audio, cut at a silence, transcribed by its own task.

    ``job_attempt`` ties a chunk to the job attempt that queued it: when a job is taken
    over after its worker was lost, unfinished chunks are re-queued under the new attempt
    and tasks of the old one find nothing to claim; finished chunks are kept.
    """

    job = models.ForeignKey(TranscriptionJob, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    # Seconds on the job's media timeline.
    start = models.FloatField()
    end = models.FloatField()
    media = models.FileField(max_length=255, blank=True)
    status = models.CharField(
        max_length=12, choices=ChunkStatus.choices, default=ChunkStatus.QUEUED, db_index=True
    )
    job_attempt = models.PositiveSmallIntegerField(default=1)
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # As TranscriptionJob.retry_at, for a queued chunk waiting out a transient failure.
    retry_at = models.DateTimeField(null=True, blank=True)
    provider = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=12, blank=True)
    # The chunk's segments (as ``jobs.services.stitching`` reads them), times already on the
    # media's timeline.
    segments = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("job", "index")
        constraints = [models.UniqueConstraint(fields=["job", "index"], name="one_chunk_per_index")]

    def __str__(self) -> str:
        return f"chunk {self.index} {self.start:.1f}-{self.end:.1f} ({self.status})"

    @property
    def seconds(self) -> float:
        return max(self.end - self.start, 0.0)


class AttemptOutcome(models.TextChoices):
    SUCCEEDED = "succeeded", "Succeeded"
    TRANSIENT = "transient", "Failed, worth retrying"
    PERMANENT = "permanent", "Failed for good"
    SKIPPED = "skipped", "Skipped (circuit open)"


class ProviderAttempt(models.Model):
    """One call to one provider for a job (or one of its chunks), for staff and for the
    customer's "served by"."""

    job = models.ForeignKey(
        TranscriptionJob, on_delete=models.CASCADE, related_name="provider_attempts"
    )
    chunk_index = models.PositiveIntegerField(null=True, blank=True)
    provider = models.CharField(max_length=40)
    outcome = models.CharField(max_length=10, choices=AttemptOutcome.choices)
    started_at = models.DateTimeField()
    duration_seconds = models.FloatField(default=0)
    # Seconds of audio sent; what a successful attempt is billed by.
    audio_seconds = models.FloatField(default=0)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ("job", "started_at", "id")
        indexes = [models.Index(fields=["provider", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.provider} {self.outcome} ({self.duration_seconds:.1f} s)"


class ProviderHealth(models.Model):
    """The circuit breaker's memory, shared by every worker through the database."""

    provider = models.CharField(max_length=40, primary_key=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    open_until = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.provider}: {self.consecutive_failures} failures in a row"


class UpstreamCallback(models.Model):
    """An asynchronous provider told us one of its transcripts is ready (or failed); a
    worker waiting on it sees this row and fetches the result at once, and a job parked
    on it just after its callback came is resumed at once."""

    job = models.ForeignKey(
        TranscriptionJob, on_delete=models.CASCADE, related_name="upstream_callbacks"
    )
    provider = models.CharField(max_length=40)
    upstream_id = models.CharField(max_length=200)
    status = models.CharField(max_length=40, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "upstream_id"], name="one_callback_per_upstream_id"
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.upstream_id} {self.status}"


# The transcript models live with the rest of the transcript feature; importing them here
# is what registers them with the ``jobs`` app.
from jobs.transcripts.models import Revision as Revision  # noqa: E402
from jobs.transcripts.models import Segment as Segment  # noqa: E402
from jobs.transcripts.models import Speaker as Speaker  # noqa: E402
from jobs.transcripts.models import Transcript as Transcript  # noqa: E402
from jobs.translation.models import TranslationJob as TranslationJob  # noqa: E402
