"""Every movement of credits goes through these functions.

Each one runs in a transaction that locks the wallet row (``select_for_update``) before
reading it, and writes exactly one ledger row per movement, so the balance always
equals the sum of the ledger. Holds reserve credits without moving them; the wallet's
``held`` column moves with them under the same lock. Lock order, everywhere: a job or
top-up row first, then the wallet, then its holds, so concurrent moves cannot deadlock.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry, Wallet
from billing.notifications import low_balance_notify
from billing.pricing import format_credits

if TYPE_CHECKING:
    from accounts.models import Organization, User

ZERO = Decimal("0")


class InsufficientCredits(Exception):
    def __init__(
        self, *, available: Decimal, required: Decimal, work: str = "transcription"
    ) -> None:
        self.available = available
        self.required = required
        self.message = (
            f"You have {format_credits(available)} credits remaining but this "
            f"{work} requires {format_credits(required)} credits."
        )
        super().__init__(self.message)


class InvalidAmount(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _locked_wallet(organization: Organization) -> Wallet:
    return Wallet.objects.select_for_update().get(organization=organization)


def _save(wallet: Wallet, *fields: str) -> None:
    """Save the locked wallet, noting a crossing of the low-balance threshold.

    The crossing is judged under the row lock, so however many requests race, one
    crossing sends one email (after commit), and the flag re-arms once credits are back.
    """
    threshold: Decimal = settings.HARK_LOW_BALANCE_THRESHOLD
    low = threshold > 0 and wallet.available < threshold
    update = set(fields) | {"updated_at"}
    if low and wallet.low_balance_notified_at is None:
        wallet.low_balance_notified_at = timezone.now()
        update.add("low_balance_notified_at")
        organization_id, available = wallet.organization_id, wallet.available
        transaction.on_commit(lambda: low_balance_notify(organization_id, available, threshold))
    elif not low and wallet.low_balance_notified_at is not None:
        wallet.low_balance_notified_at = None
        update.add("low_balance_notified_at")
    wallet.save(update_fields=sorted(update))


def _post(
    wallet: Wallet,
    *,
    kind: str,
    amount: Decimal,
    description: str,
    reference: str = "",
    actor: User | None = None,
    product: str = "",
    seconds: float | None = None,
    refund_of: LedgerEntry | None = None,
    extra_fields: tuple[str, ...] = (),
) -> LedgerEntry:
    """Append one ledger row and move the (already locked) wallet's balance with it."""
    wallet.balance += amount
    _save(wallet, "balance", *extra_fields)
    return LedgerEntry.objects.create(
        wallet=wallet,
        kind=kind,
        amount=amount,
        balance_after=wallet.balance,
        description=description[:255],
        reference=reference,
        created_by=actor if actor is not None and actor.pk else None,
        product=product[:40],
        seconds=seconds,
        refund_of=refund_of,
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
    """Staff grant (positive) or adjustment (negative), naming who and why; never takes
    the balance below what is held for work in progress, nor below zero."""
    if amount == 0:
        raise InvalidAmount("The amount must not be zero.")
    if amount != amount.quantize(Decimal("0.01")):
        raise InvalidAmount("Credits have at most two decimal places.")
    if not reason.strip():
        raise InvalidAmount("Say why: a reason is required for every grant or correction.")
    wallet = _locked_wallet(organization)
    if amount < 0 and wallet.available + amount < 0:
        raise InvalidAmount(
            f"A correction of {format_credits(amount)} would take the wallet below zero: "
            f"only {format_credits(wallet.available)} credits are available."
        )
    kind = EntryKind.GRANT if amount > 0 else EntryKind.ADJUSTMENT
    return _post(wallet, kind=kind, amount=amount, description=reason.strip(), actor=actor)


@transaction.atomic
def hold_place(
    *, organization: Organization, amount: Decimal, reference: str, work: str = "transcription"
) -> Hold:
    """Reserve ``amount`` credits for ``reference`` (a ``work``: "transcription",
    "translation", for the message); raises InsufficientCredits.

    Callers place the hold last in their transaction: the wallet row stays locked from
    here to commit, and every other submission for the organization waits on it.
    """
    if amount < 0:
        raise InvalidAmount("A hold cannot be negative.")
    wallet = _locked_wallet(organization)
    if amount > wallet.available:
        raise InsufficientCredits(available=max(wallet.available, ZERO), required=amount, work=work)
    hold = Hold.objects.create(wallet=wallet, amount=amount, reference=reference)
    wallet.held += amount
    _save(wallet, "held")
    return hold


def _active_hold_wallet_id(reference: str) -> int | None:
    return Hold.objects.filter(reference=reference).values_list("wallet_id", flat=True).first()


@transaction.atomic
def hold_capture(
    *,
    reference: str,
    amount: Decimal,
    description: str,
    seconds: float | None = None,
    product: str = "",
) -> LedgerEntry | None:
    """Charge the actual cost of held work and release the rest of the hold.

    Returns None when the hold was already settled (or never existed), so a repeated
    capture charges once. Work that cost more than was held is charged the difference
    only as far as the wallet's other available credits cover it; what remains is the
    hold's ``shortfall``, noted in the entry's description, and is never taken from
    credits held for other work nor allowed to push the wallet below zero.
    """
    wallet_id = _active_hold_wallet_id(reference)
    if wallet_id is None:
        return None
    wallet = Wallet.objects.select_for_update().get(pk=wallet_id)
    hold = Hold.objects.select_for_update().get(reference=reference)
    if hold.status != HoldStatus.ACTIVE:
        return None
    amount = max(amount, ZERO)
    # ``available`` excludes this hold (it is part of ``held``), so it is exactly what
    # other work has not reserved.
    beyond = max(amount - hold.amount, ZERO)
    charge = min(amount, hold.amount) + min(beyond, max(wallet.available, ZERO))
    shortfall = amount - charge
    if shortfall > 0:
        description += f" (shortfall of {format_credits(shortfall)} not charged)"
    Hold.objects.filter(pk=hold.pk).update(
        status=HoldStatus.CAPTURED,
        captured_amount=charge,
        shortfall=shortfall,
        settled_at=timezone.now(),
    )
    wallet.held -= hold.amount
    return _post(
        wallet,
        kind=EntryKind.CHARGE,
        amount=-charge,
        description=description,
        reference=reference,
        product=product,
        seconds=seconds,
        extra_fields=("held",),
    )


@transaction.atomic
def hold_release(*, reference: str) -> bool:
    """Give held credits back to the available balance; False if already settled."""
    wallet_id = _active_hold_wallet_id(reference)
    if wallet_id is None:
        return False
    wallet = Wallet.objects.select_for_update().get(pk=wallet_id)
    hold = Hold.objects.filter(reference=reference, status=HoldStatus.ACTIVE).first()
    if hold is None:
        return False
    Hold.objects.filter(pk=hold.pk).update(status=HoldStatus.RELEASED, settled_at=timezone.now())
    wallet.held -= hold.amount
    _save(wallet, "held")
    return True


def refundable(charge: LedgerEntry) -> Decimal:
    """What is left to refund of a charge: its amount less the refunds already made."""
    refunded: Decimal = charge.refunds.aggregate(s=Sum("amount"))["s"] or ZERO
    left: Decimal = -charge.amount - refunded
    return left


@transaction.atomic
def charge_refund(
    *, charge_id: int, amount: Decimal | None, reason: str, actor: User | None
) -> LedgerEntry:
    """Refund a charge, wholly (``amount=None``) or in part, with a reason.

    The refund is a ledger row of its own naming who made it, linked to the charge; the
    refunds of one charge never add up to more than it.
    """
    if not reason.strip():
        raise InvalidAmount("Say why: a reason is required for every refund.")
    wallet_id = LedgerEntry.objects.filter(pk=charge_id).values_list("wallet_id", flat=True).first()
    if wallet_id is None:
        raise InvalidAmount("There is no such ledger entry.")
    wallet = Wallet.objects.select_for_update().get(pk=wallet_id)
    charge = LedgerEntry.objects.get(pk=charge_id)
    if charge.kind != EntryKind.CHARGE:
        raise InvalidAmount("Only charges can be refunded.")
    left = refundable(charge)
    if left <= 0:
        raise InvalidAmount("This charge has already been refunded in full.")
    amount = left if amount is None else amount
    if amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise InvalidAmount("A refund is a positive amount with at most two decimal places.")
    if amount > left:
        raise InvalidAmount(
            f"Only {format_credits(left)} credits of this charge are left to refund."
        )
    return _post(
        wallet,
        kind=EntryKind.REFUND,
        amount=amount,
        description=f"Refund: {reason.strip()}",
        reference=charge.reference,
        actor=actor,
        product=charge.product,
        refund_of=charge,
    )


def topup_post(*, wallet: Wallet, credits: Decimal, description: str, reference: str,
               actor: User | None) -> LedgerEntry:  # fmt: skip
    """Credit a paid top-up to an already locked wallet (see billing.stripe.services)."""
    return _post(
        wallet,
        kind=EntryKind.TOPUP,
        amount=credits,
        description=description,
        reference=reference,
        actor=actor,
    )
