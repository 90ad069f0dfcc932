"""What an order costs: a per-minute price by order type (per word for translations),
plus per-minute surcharges for a faster turnaround and for full verbatim.

Prices are credits, the wallet's unit (GoTranscript's ``order_total`` is dollars; here
one credit is what the wallet counts). ``HARK_ORDER_PRICES`` overrides any of
``DEFAULT_PRICES`` by key; the pricing page and ``GET /api/v1/pricing/`` show them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.conf import settings

from orders.models import OrderType

CENT = Decimal("0.01")

DEFAULT_PRICES: dict[str, Decimal] = {
    # Per audio minute.
    OrderType.TRANSCRIPTION: Decimal("1.50"),
    OrderType.CAPTIONS: Decimal("1.80"),
    OrderType.TRANSCRIPTION_PROOFREADING: Decimal("0.90"),
    OrderType.AUTOMATIC_TRANSCRIPTION: Decimal("0.20"),
    OrderType.SUBTITLES: Decimal("0.40"),
    OrderType.FORCED_ALIGNMENT: Decimal("0.05"),
    # Per source word.
    OrderType.TRANSLATION: Decimal("0.02"),
    # Per-minute surcharges of human-quality orders.
    "turnaround.12_hours": Decimal("1.50"),
    "turnaround.1_days": Decimal("0.75"),
    "turnaround.3_days": Decimal("0.25"),
    "turnaround.5_days": Decimal("0"),
    "full_verbatim": Decimal("0.30"),
}
PER_WORD = frozenset({OrderType.TRANSLATION})
# Orders a person finishes: turnaround and text format change their price.
SURCHARGED = frozenset(
    {OrderType.TRANSCRIPTION, OrderType.CAPTIONS, OrderType.TRANSCRIPTION_PROOFREADING}
)


def prices() -> dict[str, Decimal]:
    overrides: dict[str, Decimal] = settings.HARK_ORDER_PRICES
    return {**DEFAULT_PRICES, **overrides}


def per_minute(order_type: str, *, turnaround: str = "", text_format: str = "") -> Decimal:
    table = prices()
    rate = table[order_type]
    if order_type in SURCHARGED:
        rate += table.get(f"turnaround.{turnaround}", Decimal("0"))
        if text_format == "full_verbatim":
            rate += table["full_verbatim"]
    return rate


@dataclass(frozen=True)
class OrderPrice:
    total: Decimal
    seconds: int
    words: int = 0


def order_price(
    order_type: str,
    *,
    seconds: float = 0.0,
    words: int = 0,
    turnaround: str = "",
    text_format: str = "",
) -> OrderPrice:
    """The order's total, rounded up to the cent; ``seconds`` as GoTranscript reports
    them (whole, rounded up)."""
    rate = per_minute(order_type, turnaround=turnaround, text_format=text_format)
    amount = rate * words if order_type in PER_WORD else rate * Decimal(str(max(seconds, 0.0))) / 60
    total = amount.quantize(CENT, rounding=ROUND_CEILING)
    return OrderPrice(total=total, seconds=math.ceil(seconds), words=words)


def price_rows() -> list[dict[str, object]]:
    """The table the pricing page and the pricing API show."""
    table = prices()
    rows: list[dict[str, object]] = [
        {
            "order_type": str(kind),
            "label": kind.label,
            "unit": "word" if kind in PER_WORD else "minute",
            "price": table[kind],
        }
        for kind in OrderType
    ]
    rows += [
        {"order_type": key, "label": label, "unit": "minute (surcharge)", "price": table[key]}
        for key, label in (
            ("turnaround.12_hours", "Turnaround 12 hours"),
            ("turnaround.1_days", "Turnaround 1 day"),
            ("turnaround.3_days", "Turnaround 3 days"),
            ("turnaround.5_days", "Turnaround 5 days"),
            ("full_verbatim", "Full verbatim"),
        )
    ]
    return rows
