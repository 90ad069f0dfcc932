"""Order file tokens: the ``api_token`` a callback's file URLs carry.

GoTranscript's callbacks give file URLs with the customer's API token, so its clients
fetch ``transcription_url + "&format=json"`` with nothing of their own. Hark keeps only
hashes of API keys, so a callback cannot carry one; it carries instead a token signed
with ``SECRET_KEY`` (Django's ``signing``, under its own salt) that names the
organization and the order. It downloads that order's files and nothing else: only the
order file route accepts it (``orders.api.auth.OrderFileTokenAuthentication``), and only
for the order it names. It expires ``HARK_ORDER_FILE_TOKEN_DAYS`` after it was made, and
stops working at once when the API key that placed the order is revoked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.utils import timezone

from accounts.models import Organization
from orders.models import Order

SALT = "hark.orders.file-token"
# Tells a file token from an API key (``hark_…``) before any lookup.
PREFIX = "hark-order-file."

BROKEN = (
    "This api_token is not complete or was changed. Use the file URL exactly as the "
    "callback gave it, or send your API key as api_token."
)
EXPIRED = (
    "This callback's api_token expired {days} days after it was sent. Fetch the file with "
    "your API key as api_token (GET /api/v4/orders/{order_id} gives its URLs)."
)
GONE = "The order this api_token was made for no longer exists, or its API key was revoked."


class InvalidFileToken(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class OrderFileGrant:
    """What a genuine, unexpired file token allows: the files of one order."""

    organization: Organization
    order_id: int


class _IssuedAt(signing.TimestampSigner):
    """A signer whose timestamp is the given time (Django's is always now)."""

    def __init__(self, issued_at: datetime) -> None:
        super().__init__(salt=SALT)
        self._issued_at = issued_at

    def timestamp(self) -> str:
        return signing.b62_encode(int(self._issued_at.timestamp()))


def is_order_file_token(token: str) -> bool:
    return token.startswith(PREFIX)


def order_file_token(order: Order, *, issued_at: datetime | None = None) -> str:
    """A token for ``order``'s file URLs, valid from ``issued_at`` (now)."""
    signer = _IssuedAt(issued_at or timezone.now())
    return PREFIX + signer.sign_object({"g": order.organization_id, "o": order.pk})


def order_file_grant(token: str, *, now: datetime | None = None) -> OrderFileGrant:
    """The order a file token opens; InvalidFileToken says why not (changed or not
    ours, expired, or its order or the key that placed it gone)."""
    value = token.removeprefix(PREFIX)
    try:
        payload = signing.TimestampSigner(salt=SALT).unsign_object(value)
        organization_id, order_id = int(payload["g"]), int(payload["o"])
        # Authentic once unsigned: the timestamp is part of what was signed.
        issued = signing.b62_decode(value.rsplit(":", 2)[1])
    except (signing.BadSignature, KeyError, TypeError, ValueError, IndexError):
        raise InvalidFileToken(BROKEN) from None
    days = settings.HARK_ORDER_FILE_TOKEN_DAYS
    if (now or timezone.now()).timestamp() - issued > timedelta(days=days).total_seconds():
        raise InvalidFileToken(EXPIRED.format(days=days, order_id=order_id))
    order = (
        Order.objects.select_related("organization", "api_key")
        .filter(pk=order_id, organization_id=organization_id)
        .first()
    )
    if order is None or (order.api_key is not None and not order.api_key.is_active):
        raise InvalidFileToken(GONE)
    return OrderFileGrant(organization=order.organization, order_id=order.pk)
