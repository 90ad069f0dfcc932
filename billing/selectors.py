from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import QuerySet

from billing.models import Hold, HoldStatus, LedgerEntry, TopUp, Wallet

if TYPE_CHECKING:
    from accounts.models import Organization


def wallet_for(organization: Organization) -> Wallet:
    return Wallet.objects.get(organization=organization)


def held_credits(organization: Organization) -> Decimal:
    held: Decimal = wallet_for(organization).held
    return held


def available_credits(organization: Organization) -> Decimal:
    return wallet_for(organization).available


def ledger_for(organization: Organization) -> QuerySet[LedgerEntry]:
    return LedgerEntry.objects.filter(wallet__organization=organization).select_related(
        "created_by"
    )


def topups_for(organization: Organization) -> QuerySet[TopUp]:
    return TopUp.objects.filter(wallet__organization=organization).select_related("ledger_entry")


def paid_at_by_reference(
    organization: Organization, references: Iterable[str]
) -> dict[str, datetime]:
    """When each referenced piece of work was paid (its hold captured), in one query."""
    rows = Hold.objects.filter(
        wallet__organization=organization,
        reference__in=list(references),
        status=HoldStatus.CAPTURED,
        settled_at__isnull=False,
    ).values_list("reference", "settled_at")
    return {reference: settled_at for reference, settled_at in rows if settled_at is not None}
