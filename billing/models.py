from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar

from django.conf import settings
from django.db import models


def CreditField(**kwargs: Any) -> models.DecimalField[Any, Any]:
    """Credits are decimals with two places: billed per second, shown to the cent."""
    return models.DecimalField(max_digits=14, decimal_places=2, **kwargs)


class Wallet(models.Model):
    """An organization's credits. ``balance`` always equals the sum of its ledger;
    the amount available to spend is ``balance`` minus its active holds."""

    organization = models.OneToOneField(
        "accounts.Organization", on_delete=models.CASCADE, related_name="wallet"
    )
    balance = CreditField(default=Decimal("0"))
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Wallet of {self.organization}"


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    objects: ClassVar[models.Manager[LedgerEntry]] = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "ledger entries"
        ordering = ("-created_at", "-pk")

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
    created_at = models.DateTimeField(auto_now_add=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Hold {self.amount} ({self.status}) for {self.reference}"
