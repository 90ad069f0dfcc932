"""Top-ups: start a Stripe Checkout session, and credit it once when Stripe says it is paid.

A ``TopUp`` row exists before Stripe is called and travels as the session's
``client_reference_id``, so a payment for a session whose creation we never heard back
about is still ours to credit. Crediting locks the top-up row, then the wallet: two
events for one payment (``completed`` and ``async_payment_succeeded``, or one event
delivered twice at once) serialize there, and the second finds it already paid. The
ledger's unique top-up reference backs this up in the database.
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.permissions import Capability, require
from billing.models import StripeEvent, TopUp, TopUpStatus, Wallet
from billing.pricing import format_credits
from billing.selectors import wallet_for
from billing.services import topup_post
from billing.stripe.packs import HOW_TO_ENABLE, TOPUPS_OFF, CreditPack, from_minor, stripe_enabled

if TYPE_CHECKING:
    from accounts.models import Organization, User

logger = logging.getLogger(__name__)


class TopUpUnavailable(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def stripe_client() -> stripe.StripeClient:
    return stripe.StripeClient(
        settings.HARK_STRIPE_SECRET_KEY,
        base_addresses={"api": settings.HARK_STRIPE_API_BASE},
        max_network_retries=2,
    )


def topup_start(
    *,
    organization: Organization,
    pack: CreditPack,
    actor: User | None,
    success_url: str,
    cancel_url: str,
) -> TopUp:
    """Create a pending top-up and its Stripe Checkout session; the customer pays on
    the session's ``checkout_url``. Raises TopUpUnavailable when Stripe is off or down,
    PermissionDenied unless ``actor`` is an owner or admin (None: the operator)."""
    require(actor, organization, Capability.BILLING_TOPUP)
    if not stripe_enabled():
        logger.warning(HOW_TO_ENABLE)
        raise TopUpUnavailable(TOPUPS_OFF)
    topup = TopUp.objects.create(
        wallet=wallet_for(organization),
        credits=pack.credits,
        amount_minor=pack.amount_minor,
        currency=pack.currency,
        created_by=actor if actor is not None and actor.pk else None,
    )
    params: dict[str, Any] = {
        "mode": "payment",
        "client_reference_id": str(topup.id),
        "line_items": [{
            "quantity": 1,
            "price_data": {
                "currency": pack.currency,
                "unit_amount": pack.amount_minor,
                "product_data": {"name": f"{format_credits(pack.credits)} Hark credits"},
            },
        }],
        "metadata": {"topup_id": str(topup.id), "organization_id": str(organization.pk)},
        "success_url": f"{success_url}?session_id={{CHECKOUT_SESSION_ID}}",
        "cancel_url": f"{cancel_url}?topup={topup.id}",
    }  # fmt: skip
    if actor is not None and actor.email:
        params["customer_email"] = actor.email
    try:
        session = stripe_client().v1.checkout.sessions.create(
            params=params,  # type: ignore[arg-type]
            options={"idempotency_key": f"hark-topup-{topup.id}"},
        )
    except stripe.StripeError as exc:
        TopUp.objects.filter(pk=topup.pk).update(status=TopUpStatus.FAILED)
        logger.warning("Stripe refused to create a checkout session: %s", exc)
        raise TopUpUnavailable(
            "The payment page could not be opened right now; nothing was charged. "
            "Please try again in a minute."
        ) from exc
    TopUp.objects.filter(pk=topup.pk).update(
        checkout_session_id=session.id, checkout_url=session.url or ""
    )
    topup.refresh_from_db()
    return topup


def stripe_event_process(event: dict[str, Any]) -> str:
    """Apply one verified Stripe event, at most once per event id; returns the outcome."""
    event_id, event_type = str(event.get("id") or ""), str(event.get("type") or "")
    data = event.get("data")
    session = data.get("object") if isinstance(data, dict) else None
    if not event_id or not event_type or not isinstance(session, dict):
        raise ValueError("This is not a Stripe event.")
    with transaction.atomic():
        try:
            with transaction.atomic():
                record = StripeEvent.objects.create(
                    event_id=event_id, type=event_type, outcome="processing"
                )
        except IntegrityError:
            # Delivered before (or right now, by another request that got there first).
            return "duplicate"
        handler = HANDLERS.get(event_type)
        outcome, topup = handler(session) if handler else ("ignored", None)
        StripeEvent.objects.filter(pk=record.pk).update(outcome=outcome, topup=topup)
    return outcome


def _locked_topup(session: dict[str, Any]) -> TopUp | None:
    reference = session.get("client_reference_id") or ""
    try:
        topup_id = uuid.UUID(str(reference))
    except ValueError:
        return (
            TopUp.objects.select_for_update().filter(checkout_session_id=session.get("id")).first()
        )
    topup = TopUp.objects.select_for_update().filter(pk=topup_id).first()
    if topup and topup.checkout_session_id and topup.checkout_session_id != session.get("id"):
        logger.error("Stripe session %s claims top-up %s of session %s", session.get("id"),
                     topup.pk, topup.checkout_session_id)  # fmt: skip
        return None
    return topup


def _session_paid(session: dict[str, Any]) -> tuple[str, TopUp | None]:
    # Card payments are paid on completion; bank debits complete unpaid and are
    # confirmed later by checkout.session.async_payment_succeeded.
    if session.get("payment_status") not in {"paid", "no_payment_required"}:
        return "awaiting_payment", _locked_topup(session)
    topup = _locked_topup(session)
    if topup is None:
        logger.warning("paid Stripe session %s matches no top-up", session.get("id"))
        return "unknown_session", None
    if topup.status == TopUpStatus.PAID:
        return "already_credited", topup
    if (
        session.get("amount_total") != topup.amount_minor
        or session.get("currency") != topup.currency
    ):
        logger.error("Stripe session %s paid %s %s for top-up %s of %s %s", session.get("id"),
                     session.get("amount_total"), session.get("currency"), topup.pk,
                     topup.amount_minor, topup.currency)  # fmt: skip
        return "amount_mismatch", topup
    wallet = Wallet.objects.select_for_update().get(pk=topup.wallet_id)
    payment = str(session.get("payment_intent") or session.get("id"))
    paid = f"{from_minor(topup.amount_minor, topup.currency):.2f} {topup.currency.upper()}"
    entry = topup_post(
        wallet=wallet,
        credits=topup.credits,
        description=(
            f"Top-up: {format_credits(topup.credits)} credits, paid {paid} (Stripe {payment})"
        ),
        reference=topup.reference,
        actor=topup.created_by,
    )
    TopUp.objects.filter(pk=topup.pk).update(
        status=TopUpStatus.PAID,
        paid_at=timezone.now(),
        payment_intent=payment[:255],
        checkout_session_id=session.get("id") or topup.checkout_session_id,
        ledger_entry=entry,
    )
    return "credited", topup


def _session_closed(status: str) -> Any:
    def handle(session: dict[str, Any]) -> tuple[str, TopUp | None]:
        topup = _locked_topup(session)
        if topup is None:
            return "unknown_session", None
        if topup.status == TopUpStatus.PENDING:
            TopUp.objects.filter(pk=topup.pk).update(status=status)
        return status, topup

    return handle


HANDLERS = {
    "checkout.session.completed": _session_paid,
    "checkout.session.async_payment_succeeded": _session_paid,
    "checkout.session.expired": _session_closed(TopUpStatus.EXPIRED),
    "checkout.session.async_payment_failed": _session_closed(TopUpStatus.FAILED),
}
