"""``POST /webhooks/stripe/``: verify Stripe's signature first, then dispatch the event.

Anything unsigned, tampered with, stale or dated in the future is a 400 and changes
nothing; a verified event is applied at most once (see billing.stripe.services).
"""

from __future__ import annotations

import json
import logging
import time

import stripe
from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from billing.stripe.services import stripe_event_process

logger = logging.getLogger(__name__)


class InvalidSignature(Exception):
    pass


def signature_verify(payload: bytes, header: str | None, secret: str, *, tolerance: int) -> None:
    """Check ``Stripe-Signature`` (``t=<unix time>,v1=<hex HMAC-SHA256>``) over the raw body.

    stripe-python refuses signatures older than the tolerance; one dated further ahead
    than the tolerance is refused here too, or a captured future-dated request would stay
    replayable for as long as its date lies ahead.
    """
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidSignature("The body is not UTF-8 text.") from None
    try:
        stripe.WebhookSignature.verify_header(text, header, secret, tolerance)
    except stripe.SignatureVerificationError:
        raise InvalidSignature("The Stripe-Signature header does not verify.") from None
    stamps = [item.split("=", 1)[1] for item in (header or "").split(",") if item.startswith("t=")]
    if not stamps or int(stamps[0]) > time.time() + tolerance:
        raise InvalidSignature("The Stripe-Signature header is dated in the future.")


def _refuse(message: str) -> JsonResponse:
    return JsonResponse({"error": "invalid_signature", "message": message}, status=400)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    secret: str = settings.HARK_STRIPE_WEBHOOK_SECRET
    if not secret:
        return _refuse("Stripe is not configured on this installation.")
    try:
        signature_verify(
            request.body,
            request.headers.get("Stripe-Signature"),
            secret,
            tolerance=settings.HARK_STRIPE_WEBHOOK_TOLERANCE_SECONDS,
        )
    except InvalidSignature as exc:
        logger.warning("refused a Stripe webhook: %s", exc)
        return _refuse(str(exc))
    try:
        event = json.loads(request.body)
        outcome = stripe_event_process(event if isinstance(event, dict) else {})
    except ValueError:
        return JsonResponse(
            {"error": "invalid_request", "message": "This is not a Stripe event."}, status=400
        )
    return JsonResponse({"received": True, "outcome": outcome})
