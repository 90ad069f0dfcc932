"""Credit packs on sale (``HARK_CREDIT_PACKS``) and whether Stripe is set up to sell them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings

# Currencies Stripe counts in whole units rather than hundredths.
ZERO_DECIMAL_CURRENCIES = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga",
    "pyg", "rwf", "ugx", "vnd", "vuv", "xaf", "xof", "xpf",
})  # fmt: skip

# What customers read when top-ups are off: no setting names, which mean nothing to them.
TOPUPS_OFF = (
    "Online top-ups are not available here yet. "
    "Ask the people who run Hark for you to add credits to your wallet."
)
# What the operator reads (log and README): how to turn them on.
HOW_TO_ENABLE = (
    "Online top-ups are off: set HARK_STRIPE_SECRET_KEY and HARK_STRIPE_WEBHOOK_SECRET and "
    "point a Stripe webhook at /webhooks/stripe/ (see the README)."
)


def stripe_enabled() -> bool:
    return bool(settings.HARK_STRIPE_SECRET_KEY and settings.HARK_STRIPE_WEBHOOK_SECRET)


def to_minor(price: Decimal, currency: str) -> int:
    return int(price if currency in ZERO_DECIMAL_CURRENCIES else price * 100)


def from_minor(amount: int, currency: str) -> Decimal:
    return Decimal(amount) if currency in ZERO_DECIMAL_CURRENCIES else Decimal(amount) / 100


@dataclass(frozen=True)
class CreditPack:
    credits: Decimal
    price: Decimal
    currency: str

    @property
    def key(self) -> str:
        return str(int(self.credits))

    @property
    def amount_minor(self) -> int:
        return to_minor(self.price, self.currency)

    @property
    def price_label(self) -> str:
        return f"{self.price:.2f} {self.currency.upper()}"


def credit_packs() -> list[CreditPack]:
    packs: dict[str, Decimal] = settings.HARK_CREDIT_PACKS
    currency: str = settings.HARK_STRIPE_CURRENCY
    return sorted(
        (CreditPack(Decimal(credits), price, currency) for credits, price in packs.items()),
        key=lambda pack: pack.credits,
    )


def pack_get(key: str) -> CreditPack | None:
    return next((pack for pack in credit_packs() if pack.key == key), None)
