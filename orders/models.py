"""GoTranscript-style orders: what was ordered and what fulfils it.

An order is never work of its own: its transcript comes from a ``TranscriptionJob``
(and its translation from that job's ``TranslationJob``), its money from one hold on
the organization's wallet (``hold_reference``), placed when the order is made and
captured when it is finished (or released when it is refunded). Orders in ``mode=test``
are priced and never stored.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.db import models

from billing.models import CreditField


class OrderType(models.TextChoices):
    TRANSCRIPTION = "transcriptions", "Transcription (human quality)"
    AUTOMATIC_TRANSCRIPTION = "automatic_transcriptions", "Automatic transcription"
    TRANSCRIPTION_PROOFREADING = "transcription_proofreading", "Transcription proofreading"
    FORCED_ALIGNMENT = "forced_alignment", "Forced alignment"
    TRANSLATION = "translations", "Translation"
    CAPTIONS = "captions", "Captions (human quality)"
    SUBTITLES = "subtitles", "Subtitles"


# Orders a person finishes after the AI draft: they go to the review desk.
REVIEWED_TYPES = frozenset(
    {OrderType.TRANSCRIPTION, OrderType.CAPTIONS, OrderType.TRANSCRIPTION_PROOFREADING}
)


class OrderStatus(models.TextChoices):
    # The job making the draft (or the whole result) is running.
    PROCESSING = "processing", "Processing"
    # The AI draft is done; a reviewer finishes it (``orders.services.fulfilment``).
    IN_REVIEW = "in_review", "In review"
    # GoTranscript's callback statuses.
    FINISHED = "finished", "Finished"
    REFUNDED = "refunded", "Refunded"


class Order(models.Model):
    # GoTranscript's order_id is an integer, so the primary key is one.
    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="orders"
    )
    api_key = models.ForeignKey(
        "accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    type = models.CharField(max_length=30, choices=OrderType.choices)
    # Only live orders are stored; kept so the API can echo it in callbacks.
    mode = models.CharField(max_length=4, default="live")
    status = models.CharField(
        max_length=12, choices=OrderStatus.choices, default=OrderStatus.PROCESSING, db_index=True
    )
    transcription_job = models.ForeignKey(
        "jobs.TranscriptionJob", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="orders",
    )  # fmt: skip
    translation_job = models.ForeignKey(
        "jobs.TranslationJob", null=True, blank=True, on_delete=models.SET_NULL,
        related_name="orders",
    )  # fmt: skip

    # As GoTranscript's client sent them (its names), and the codes they map to.
    language = models.CharField(max_length=40, blank=True)
    translate_from = models.CharField(max_length=40, blank=True)
    translate_to = models.CharField(max_length=40, blank=True)
    turnaround_time = models.CharField(max_length=10, blank=True)
    text_format = models.CharField(max_length=20, blank=True)
    timestamping = models.CharField(max_length=20, blank=True)
    number_of_speakers = models.CharField(max_length=10, blank=True)
    captions = models.BooleanField(default=False)
    comment = models.TextField(blank=True)
    trim_from = models.FloatField(null=True, blank=True)
    trim_till = models.FloatField(null=True, blank=True)
    source_url = models.URLField(max_length=2000)
    callback_url = models.URLField(max_length=500, blank=True)
    # Where the order was placed (scheme and host): its callback's file URLs point there
    # when HARK_PUBLIC_URL names no host, so that they are never bare paths.
    api_base_url = models.CharField(max_length=500, blank=True)

    seconds = models.PositiveIntegerField(default=0)
    words = models.PositiveIntegerField(default=0)
    order_total = CreditField(default=Decimal("0"))
    hold_reference = models.CharField(max_length=80, unique=True)
    refund_reason = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    delivery_estimate = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-id",)
        indexes = [models.Index(fields=["organization", "-id"])]

    def __str__(self) -> str:
        return f"Order {self.pk} ({self.type}, {self.status})"

    @staticmethod
    def new_hold_reference() -> str:
        return f"order:{uuid.uuid4()}"


class OrderSettings(models.Model):
    """An organization's GoTranscript API settings: the callback URL used when an order
    names none (a model of orders', so accounts' Organization stays as it is)."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="order_settings"
    )
    callback_url = models.URLField(max_length=500, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "order settings"

    def __str__(self) -> str:
        return f"Order settings of {self.organization}"


class CallbackStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


class OrderCallback(models.Model):
    """One GoTranscript callback (an order's finished/refunded notice, or a test), sent
    until the receiver answers ``ok`` or ten attempts are used."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="order_callbacks"
    )
    order = models.ForeignKey(
        Order, null=True, blank=True, on_delete=models.CASCADE, related_name="callbacks"
    )
    url = models.URLField(max_length=500)
    # The multipart fields, exactly as every attempt sends them.
    fields = models.JSONField(default=dict)
    message_id = models.CharField(max_length=60)
    status = models.CharField(
        max_length=10, choices=CallbackStatus.choices, default=CallbackStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")

    def __str__(self) -> str:
        return f"Callback {self.pk} to {self.url} ({self.status})"


class CallbackAttempt(models.Model):
    callback = models.ForeignKey(OrderCallback, on_delete=models.CASCADE, related_name="tries")
    number = models.PositiveSmallIntegerField()
    at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    # The start of what the receiver answered (it must be "ok").
    response_excerpt = models.CharField(max_length=200, blank=True)
    error = models.CharField(max_length=500, blank=True)
    succeeded = models.BooleanField(default=False)

    class Meta:
        ordering = ("number",)
        constraints = [
            models.UniqueConstraint(
                fields=["callback", "number"], name="one_callback_attempt_per_number"
            )
        ]

    def __str__(self) -> str:
        return f"Attempt {self.number} of callback {self.callback_id}"


class OrderDocument(models.Model):
    """A translation order's text (GoTranscript translates documents, not recordings, so
    no job or transcript holds it): the document's paragraphs and, once machine-translated
    by ``orders.services.documents``, theirs."""

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="document")
    filename = models.CharField(max_length=255, blank=True)
    paragraphs = models.JSONField(default=list)
    translated = models.JSONField(default=list)
    translator = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"Document of order {self.order_id}"
