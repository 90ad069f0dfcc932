"""Prices: credits per audio minute per engine, plus per-minute surcharges for options
(diarization, summary), billed to the second and rounded up to 0.01.

Quotes and captures both price through ``price_for_seconds``, so a quote is what the
same audio is later charged.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from django.conf import settings

CENT = Decimal("0.01")
# Options that can carry a surcharge, with what the pricing page calls them.
PRICED_OPTIONS = {"diarization": "Speaker diarization", "summary": "Summary and topics"}


def priced_options(*, diarization: bool = False, summary: bool = False) -> tuple[str, ...]:
    """The priced options a job asks for, in a stable order."""
    return tuple(
        name for name, wanted in (("diarization", diarization), ("summary", summary)) if wanted
    )


def option_price_per_minute(option: str) -> Decimal:
    prices: dict[str, Decimal] = settings.HARK_OPTION_PRICES
    return prices.get(option, Decimal("0"))


def price_per_minute(engine: str, options: Collection[str] = ()) -> Decimal:
    overrides: dict[str, Decimal] = getattr(settings, "HARK_ENGINE_PRICES", {})
    base: Decimal = overrides.get(engine, settings.HARK_PRICE_PER_MINUTE)
    return base + sum((option_price_per_minute(o) for o in options), Decimal("0"))


def price_for_seconds(seconds: float, *, engine: str, options: Collection[str] = ()) -> Decimal:
    minutes = Decimal(str(max(seconds, 0.0))) / 60
    return (minutes * price_per_minute(engine, options)).quantize(CENT, rounding=ROUND_CEILING)


def format_credits(amount: Decimal) -> str:
    """``10`` for 10.00 and ``5.5`` for 5.50, as the seeds' messages show credits."""
    text = f"{amount.quantize(CENT):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class PriceRow:
    name: str
    label: str
    per_minute: Decimal


@dataclass(frozen=True)
class PriceTable:
    engines: list[PriceRow]
    options: list[PriceRow]
    billing_increment_seconds: int = 1

    def as_dict(self) -> dict[str, object]:
        return {
            "unit": "credits per minute",
            "billed_per_seconds": self.billing_increment_seconds,
            "rounding": "up to 0.01 credit per job",
            "engines": [
                {"model": r.name, "label": r.label, "per_minute": float(r.per_minute)}
                for r in self.engines
            ],
            "options": [
                {"option": r.name, "label": r.label, "per_minute": float(r.per_minute)}
                for r in self.options
            ],
        }


def price_table(engines: Iterable[tuple[str, str]]) -> PriceTable:
    """The price of each of ``engines`` ((name, label) pairs) and of every priced option.

    The caller passes the engines that can run now (``jobs.engines.enabled_engines``):
    a price for an engine that is listed but unavailable would offer what routing refuses,
    and billing does not know the engine registry.
    """
    return PriceTable(
        engines=[PriceRow(name, label, price_per_minute(name)) for name, label in engines],
        options=[
            PriceRow(name, label, option_price_per_minute(name))
            for name, label in PRICED_OPTIONS.items()
        ],
    )
