"""The books, checked: every wallet against its ledger and its holds.

Run by ``python manage.py audit_wallets``; anything reported here means credits moved
outside billing.services (or a bug in them) and needs a person to look.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry, Wallet
from billing.pricing import format_credits

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=14, decimal_places=2))


@dataclass(frozen=True)
class Problem:
    wallet_id: int
    organization: str
    message: str

    def __str__(self) -> str:
        return f"wallet {self.wallet_id} ({self.organization}): {self.message}"


def _per_wallet_sum(queryset: object, field: str = "amount") -> Coalesce:
    rows = queryset.filter(wallet=OuterRef("pk")).values("wallet").annotate(s=Sum(field))  # type: ignore[attr-defined]
    return Coalesce(Subquery(rows.values("s")), ZERO)


def wallets_audit() -> tuple[int, list[Problem]]:
    """Audit every wallet; returns how many were audited and what is wrong."""
    latest = LedgerEntry.objects.filter(wallet=OuterRef("pk")).order_by("-pk")
    wallets = Wallet.objects.annotate(
        ledger_sum=_per_wallet_sum(LedgerEntry.objects),
        held_sum=_per_wallet_sum(Hold.objects.filter(status=HoldStatus.ACTIVE)),
        latest_after=Subquery(latest.values("balance_after")[:1]),
    ).select_related("organization")
    problems: list[Problem] = []
    count = 0
    for wallet in wallets.iterator(chunk_size=500):
        count += 1
        problems.extend(_wallet_problems(wallet))
    problems.extend(_charge_problems())
    return count, problems


def _wallet_problems(wallet: Wallet) -> Iterator[Problem]:
    def problem(message: str) -> Problem:
        return Problem(wallet.pk, wallet.organization.name, message)

    ledger_sum: Decimal = wallet.ledger_sum  # type: ignore[attr-defined]
    held_sum: Decimal = wallet.held_sum  # type: ignore[attr-defined]
    latest_after: Decimal | None = wallet.latest_after  # type: ignore[attr-defined]
    if wallet.balance != ledger_sum:
        yield problem(
            f"balance is {format_credits(wallet.balance)} but its ledger sums to "
            f"{format_credits(ledger_sum)}"
        )
    if latest_after is not None and latest_after != wallet.balance:
        yield problem(
            f"balance is {format_credits(wallet.balance)} but the latest ledger entry left "
            f"it at {format_credits(latest_after)}"
        )
    if wallet.held != held_sum:
        yield problem(
            f"held is {format_credits(wallet.held)} but its active holds sum to "
            f"{format_credits(held_sum)}"
        )
    if wallet.balance < 0:
        yield problem(f"balance is negative ({format_credits(wallet.balance)})")
    if wallet.available < 0:
        yield problem(f"more is held than the balance ({format_credits(wallet.available)})")


def _charge_problems() -> Iterator[Problem]:
    """Each piece of work is charged at most once, as its hold says, and refunds of a
    charge never exceed it."""
    repeated = (
        LedgerEntry.objects.filter(kind=EntryKind.CHARGE)
        .exclude(reference="")
        .values("wallet", "wallet__organization__name", "reference")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    for row in repeated:
        yield Problem(row["wallet"], row["wallet__organization__name"],
                      f"{row['reference']} was charged {row['n']} times")  # fmt: skip
    captured = Hold.objects.filter(reference=OuterRef("reference"), status=HoldStatus.CAPTURED)
    refunds = (
        LedgerEntry.objects.filter(refund_of=OuterRef("pk"), kind=EntryKind.REFUND)
        .values("refund_of")
        .annotate(s=Sum("amount"))
    )
    charged = F("amount") * -1
    suspicious = (
        LedgerEntry.objects.filter(kind=EntryKind.CHARGE)
        .annotate(
            hold_captured=Subquery(captured.values("captured_amount")[:1]),
            refunded=Coalesce(Subquery(refunds.values("s")), ZERO),
        )
        .filter(Q(hold_captured__isnull=True) | ~Q(hold_captured=charged) | Q(refunded__gt=charged))
        .select_related("wallet__organization")
    )
    for charge in suspicious.iterator(chunk_size=500):
        name = charge.wallet.organization.name
        if charge.hold_captured != -charge.amount:  # type: ignore[attr-defined]
            message = f"charge {charge.pk} for {charge.reference} does not match a captured hold"
            yield Problem(charge.wallet_id, name, message)
        if charge.refunded > -charge.amount:  # type: ignore[attr-defined]
            yield Problem(charge.wallet_id, name,
                          f"charge {charge.pk} was refunded more than it charged")  # fmt: skip
