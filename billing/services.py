"""Every movement of credits goes through these functions.

Each one runs in a transaction that locks the wallet row (``select_for_update``) before
reading the balance, and writes exactly one ledger row per movement, so the balance
always equals the sum of the ledger. Holds reserve credits without moving them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry, Wallet
from billing.pricing import format_credits

if TYPE_CHECKING:
    from accounts.models import Organization, User


class InsufficientCredits(Exception):
    def __init__(self, *, available: Decimal, required: Decimal) -> None:
        self.available = available
        self.required = required
        self.message = (
            f"You have {format_credits(available)} credits remaining but this "
            f"transcription requires {format_credits(required)} credits."
        )
        super().__init__(self.message)


class InvalidAmount(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _locked_wallet(organization: Organization) -> Wallet:
    return Wallet.objects.select_for_update().get(organization=organization)


def _held(wallet: Wallet) -> Decimal:
    total = Hold.objects.filter(wallet=wallet, status=HoldStatus.ACTIVE).aggregate(s=Sum("amount"))
    return total["s"] or Decimal("0")


def _post(
    wallet: Wallet,
    *,
    kind: str,
    amount: Decimal,
    description: str,
    reference: str = "",
    actor: User | None = None,
) -> LedgerEntry:
    """Append one ledger row and move the (already locked) wallet's balance with it."""
    wallet.balance += amount
    wallet.save(update_fields=["balance", "updated_at"])
    return LedgerEntry.objects.create(
        wallet=wallet,
        kind=kind,
        amount=amount,
        balance_after=wallet.balance,
        description=description[:255],
        reference=reference,
        created_by=actor,
    )


@transaction.atomic
def wallet_open(*, organization: Organization, actor: User | None = None) -> Wallet:
    """Create the organization's wallet, crediting the configured sign-up grant."""
    wallet, created = Wallet.objects.get_or_create(organization=organization)
    grant = settings.HARK_SIGNUP_GRANT
    if created and grant > 0:
        wallet = _locked_wallet(organization)
        _post(wallet, kind=EntryKind.GRANT, amount=grant, description="Sign-up grant", actor=actor)
    return wallet


@transaction.atomic
def credits_grant(
    *, organization: Organization, amount: Decimal, reason: str, actor: User | None = None
) -> LedgerEntry:
    """Staff grant (positive) or correction (negative); never takes the balance below
    what is held for work in progress, nor below zero."""
    if amount == 0:
        raise InvalidAmount("The amount must not be zero.")
    if not reason.strip():
        raise InvalidAmount("Say why: a reason is required for every grant or correction.")
    wallet = _locked_wallet(organization)
    available = wallet.balance - _held(wallet)
    if amount < 0 and available + amount < 0:
        raise InvalidAmount(
            f"A correction of {format_credits(amount)} would take the wallet below zero: "
            f"only {format_credits(available)} credits are available."
        )
    kind = EntryKind.GRANT if amount > 0 else EntryKind.ADJUSTMENT
    return _post(wallet, kind=kind, amount=amount, description=reason.strip(), actor=actor)


@transaction.atomic
def hold_place(*, organization: Organization, amount: Decimal, reference: str) -> Hold:
    """Reserve ``amount`` credits for ``reference``; raises InsufficientCredits."""
    wallet = _locked_wallet(organization)
    available = wallet.balance - _held(wallet)
    if amount > available:
        raise InsufficientCredits(available=max(available, Decimal("0")), required=amount)
    return Hold.objects.create(wallet=wallet, amount=amount, reference=reference)


@transaction.atomic
def hold_capture(*, reference: str, amount: Decimal, description: str) -> LedgerEntry | None:
    """Charge the actual cost of held work and release the rest of the hold.

    Returns None when the hold was already settled, so a repeated capture charges once.
    When the work cost more than was held, the difference is charged only as far as the
    wallet's other available credits cover it; the entry's description records any
    shortfall, which is never taken from credits held for other work.
    """
    hold = Hold.objects.select_related("wallet").filter(reference=reference).first()
    if hold is None:
        return None
    wallet = Wallet.objects.select_for_update().get(pk=hold.wallet_id)
    hold = Hold.objects.select_for_update().get(pk=hold.pk)
    if hold.status != HoldStatus.ACTIVE:
        return None
    charge = min(amount, hold.amount)
    if amount > hold.amount:
        others_available = wallet.balance - _held(wallet)
        charge = hold.amount + max(Decimal("0"), min(amount - hold.amount, others_available))
        if charge < amount:
            description += f" (shortfall of {format_credits(amount - charge)} not charged)"
    hold.status = HoldStatus.CAPTURED
    hold.captured_amount = charge
    hold.settled_at = timezone.now()
    hold.save(update_fields=["status", "captured_amount", "settled_at"])
    return _post(
        wallet, kind=EntryKind.CHARGE, amount=-charge, description=description, reference=reference
    )


@transaction.atomic
def hold_release(*, reference: str) -> bool:
    """Give held credits back to the available balance; False if already settled."""
    return bool(
        Hold.objects.filter(reference=reference, status=HoldStatus.ACTIVE).update(
            status=HoldStatus.RELEASED, settled_at=timezone.now()
        )
    )
