"""Prices: credits per audio minute per engine, billed to the second, rounded up to 0.01."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from django.conf import settings

CENT = Decimal("0.01")


def price_per_minute(engine: str) -> Decimal:
    overrides: dict[str, Decimal] = getattr(settings, "HARK_ENGINE_PRICES", {})
    return overrides.get(engine, settings.HARK_PRICE_PER_MINUTE)


def price_for_seconds(seconds: float, *, engine: str) -> Decimal:
    minutes = Decimal(str(max(seconds, 0.0))) / 60
    return (minutes * price_per_minute(engine)).quantize(CENT, rounding=ROUND_CEILING)


def format_credits(amount: Decimal) -> str:
    """``10`` for 10.00 and ``5.5`` for 5.50, as the seeds' messages show credits."""
    text = f"{amount.quantize(CENT):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
