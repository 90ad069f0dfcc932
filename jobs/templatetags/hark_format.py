"""One way to show numbers on every page: ``{% load hark_format %}``.

``{{ amount|credits }}`` → "1 credit", "1,234.5 credits"; ``{{ amount|credit_amount }}`` the
number alone (table cells under a "Credits" heading); ``{{ seconds|duration }}`` → "1:05".
Digits are grouped the way the active locale groups them (Django's l10n formats).
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import formats

from billing.pricing import format_credits
from jobs.pages.formatting import duration_label

register = template.Library()


@register.filter
def credit_amount(amount: Decimal | float | int | str | None) -> str:
    """Up to two decimals, none when whole, digits grouped: ``1,234.5``."""
    if amount is None or amount == "":
        return ""
    # billing's rounding and trailing-zero rule, then the locale's separators.
    text = format_credits(Decimal(str(amount)))
    decimals = len(text.partition(".")[2])
    return formats.number_format(Decimal(text), decimal_pos=decimals, force_grouping=True)


@register.filter
def credits(amount: Decimal | float | int | str | None) -> str:
    """An amount with its unit, singular only for exactly one: ``1 credit``, ``0.5 credits``."""
    if amount is None or amount == "":
        return ""
    unit = "credit" if Decimal(str(amount)) == 1 else "credits"
    return f"{credit_amount(amount)} {unit}"


@register.filter
def duration(seconds: float | str | None) -> str:
    """A length of audio as people read it: ``0:11``, ``1:02:03``; "" when unknown."""
    if seconds is None or seconds == "":
        return ""
    return duration_label(float(seconds))
