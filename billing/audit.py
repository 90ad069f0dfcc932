"""The books, checked: every wallet against its ledger and its holds.

Run by ``python manage.py audit_wallets``; anything reported here means credits moved
outside billing.services (or a bug in them) and needs a person to look.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
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


# Hold reference prefix ("job") → a function that, given the ids after the prefix, returns
# those whose work is still open (may still capture or release its hold). The app that
# places the holds registers it (jobs.apps), so billing imports no app above it.
HoldOwnerCheck = Callable[[list[str]], Iterable[str]]
hold_owners: dict[str, HoldOwnerCheck] = {}


def hold_owner_register(prefix: str, still_open: HoldOwnerCheck) -> None:
    hold_owners[prefix] = still_open


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
    problems.extend(_orphan_hold_problems())
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


def _orphan_hold_problems() -> Iterator[Problem]:
    """An active hold whose work is finished or gone keeps credits unavailable forever
    (e.g. a job whose status was edited or which was deleted outside the services)."""
    active = Hold.objects.filter(status=HoldStatus.ACTIVE).select_related("wallet__organization")
    by_prefix: dict[str, list[Hold]] = {}
    for hold in active.iterator(chunk_size=500):
        prefix, _, _ = hold.reference.partition(":")
        if prefix in hold_owners:
            by_prefix.setdefault(prefix, []).append(hold)
    for prefix, holds in by_prefix.items():
        ids = [hold.reference.partition(":")[2] for hold in holds]
        still_open = {str(i) for i in hold_owners[prefix](ids)}
        for hold, owner_id in zip(holds, ids, strict=True):
            if owner_id not in still_open:
                yield Problem(
                    hold.wallet_id,
                    hold.wallet.organization.name,
                    f"hold {hold.reference} ({format_credits(hold.amount)}) is active but its "
                    f"{prefix} is finished or gone",
                )


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
