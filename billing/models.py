from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


def CreditField(**kwargs: Any) -> models.DecimalField[Any, Any]:
    """Credits are decimals with two places: billed per second, shown to the cent."""
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class Wallet(models.Model):
    """An organization's credits. ``balance`` always equals the sum of its ledger;
    ``held`` always equals the sum of its active holds; what can be spent is the
    difference, which the database itself refuses to let go negative."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="wallet"
    )
    balance = CreditField(default=Decimal("0"))
    # Kept beside the balance (under the same row lock) so that checking what is
    # available costs one row, however many jobs are in flight.
    held = CreditField(default=Decimal("0"))
    # Set when the low-balance email goes out, cleared once credits are back above the
    # threshold: one email per crossing.
    low_balance_notified_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(held__gte=0), name="wallet_held_not_negative"),
            models.CheckConstraint(
                condition=Q(held__lte=F("balance")), name="wallet_available_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"Wallet of {self.organization}"

    @property
    def available(self) -> Decimal:
        available: Decimal = self.balance - self.held
        return available


class AppendOnlyQuerySet(models.QuerySet["LedgerEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("Ledger entries are append-only; post a correcting entry instead.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("Ledger entries are append-only; post a correcting entry instead.")


class EntryKind(models.TextChoices):
    GRANT = "grant", "Grant"
    TOPUP = "topup", "Top-up"
    CHARGE = "charge", "Charge"
    REFUND = "refund", "Refund"
    ADJUSTMENT = "adjustment", "Adjustment"


class LedgerEntry(models.Model):
    """One movement of credits. Rows are never updated or deleted."""

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=12, choices=EntryKind.choices)
    amount = CreditField()
    balance_after = CreditField()
    description = models.CharField(max_length=255)
    # What the entry is for, e.g. "job:<uuid>"; billing does not import the jobs app.
    reference = models.CharField(max_length=80, blank=True, db_index=True)
    # For charges (and their refunds): what was used, so usage is read from the ledger
    # and survives the deletion of the job itself.
    product = models.CharField(max_length=40, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    refund_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects: ClassVar[models.Manager[LedgerEntry]] = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ("-created_at", "-pk")
        constraints = [
            # The last line of defence for "each payment is credited once": whatever
            # the code does, a second top-up row for the same payment cannot be written.
            models.UniqueConstraint(
                fields=["reference"],
                condition=Q(kind="topup"),
                name="one_topup_entry_per_payment",
            ),
        ]
        indexes = [models.Index(fields=["wallet", "kind", "created_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount:+}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("Ledger entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("Ledger entries are append-only.")


class HoldStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CAPTURED = "captured", "Captured"
    RELEASED = "released", "Released"


class Hold(models.Model):
    """Credits set aside for work in progress; captured at the actual cost or released."""

    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="holds")
    amount = CreditField()
    status = models.CharField(
        max_length=10, choices=HoldStatus.choices, default=HoldStatus.ACTIVE, db_index=True
    )
    reference = models.CharField(max_length=80, unique=True)
    captured_amount = CreditField(null=True, blank=True)
    # What the work cost beyond the hold and beyond what the wallet could cover: not
    # charged, recorded for staff to see (see hold_capture).
    shortfall = CreditField(default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Hold {self.amount} ({self.status}) for {self.reference}"


class TopUpStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    PAID = "paid", "Paid"
    EXPIRED = "expired", "Expired"
    FAILED = "failed", "Failed"


class TopUp(models.Model):
    """A purchase of credits through Stripe Checkout: created before Stripe is called,
    credited once when Stripe's signed webhook says the payment went through."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    wallet = models.ForeignKey(Wallet, on_delete=models.PROTECT, related_name="topups")
    credits = CreditField()
    # What the customer pays, in the currency's smallest unit (cents), as Stripe counts.
    amount_minor = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=10, choices=TopUpStatus.choices, default=TopUpStatus.PENDING, db_index=True
    )
    checkout_session_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    checkout_url = models.URLField(max_length=1000, blank=True)
    payment_intent = models.CharField(max_length=255, blank=True)
    ledger_entry = models.OneToOneField(
        LedgerEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="topup"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "top-up"

    def __str__(self) -> str:
        return f"Top-up of {self.credits} credits ({self.status})"

    @property
    def reference(self) -> str:
        return f"topup:{self.id}"

    @property
    def price(self) -> Decimal:
        return Decimal(self.amount_minor) / 100


class StripeEvent(models.Model):
    """Every Stripe event processed, once: a redelivered event id is a no-op."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    outcome = models.CharField(max_length=40)
    topup = models.ForeignKey(
        TopUp, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-received_at",)

    def __str__(self) -> str:
        return f"{self.event_id} {self.type} ({self.outcome})"


class IdempotencyRecord(models.Model):
    """One ``Idempotency-Key`` an organization used: in flight until its response is
    stored, then replayed for the same request until it expires."""

    organization = models.ForeignKey(
        "accounts.Organization", on_delete=models.CASCADE, related_name="+"
    )
    key = models.CharField(max_length=255)
    # SHA-256 of the method, path and parsed body (files by content), so the same
    # request from another client library (another multipart boundary) still matches.
    fingerprint = models.CharField(max_length=64)
    path = models.CharField(max_length=255)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.BinaryField(blank=True, default=b"")
    response_headers = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="one_record_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.key} → {self.status_code or 'in flight'}"

    @property
    def in_flight(self) -> bool:
        return self.status_code is None
