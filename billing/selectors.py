from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import QuerySet, Sum

from billing.models import Hold, HoldStatus, LedgerEntry, Wallet

if TYPE_CHECKING:
    from accounts.models import Organization


def wallet_for(organization: Organization) -> Wallet:
    return Wallet.objects.get(organization=organization)


def held_credits(organization: Organization) -> Decimal:
    total = Hold.objects.filter(
        wallet__organization=organization, status=HoldStatus.ACTIVE
    ).aggregate(s=Sum("amount"))
    return total["s"] or Decimal("0")


def available_credits(organization: Organization) -> Decimal:
    balance: Decimal = wallet_for(organization).balance
    return balance - held_credits(organization)


def ledger_for(organization: Organization) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(wallet__organization=organization).select_related(
        "created_by"
    )
