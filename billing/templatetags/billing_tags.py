"""The low-balance banner, shown on every signed-in page (included from base.html)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.conf import settings

from billing.stripe.packs import stripe_enabled

register = template.Library()


@register.inclusion_tag("billing/low_balance_banner.html", takes_context=True)
def low_balance_banner(context: template.Context) -> dict[str, Any]:
    # ``nav_available`` is what org_render puts in every organization page's context.
    available = context.get("nav_available")
    threshold: Decimal = settings.HARK_LOW_BALANCE_THRESHOLD
    low = isinstance(available, Decimal) and threshold > 0 and available < threshold
    # Offer a top-up only where one can be bought.
    return {"low": low, "available": available, "threshold": threshold, "topups": stripe_enabled()}
