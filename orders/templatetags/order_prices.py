"""The order price table for the pricing page, as a tag: billing's page shows it without
billing importing orders (orders builds on billing, never the reverse)."""

from __future__ import annotations

from typing import Any

from django import template

from orders.pricing import price_rows

register = template.Library()


@register.inclusion_tag("orders/price_table.html")
def order_price_table() -> dict[str, Any]:
    return {"rows": price_rows()}
