"""What ``/api/v4/`` answers: GoTranscript's fields and formats (UTC "YYYY-MM-DD
HH:MM:SS", prices as numbers)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orders.models import Order, OrderType
from orders.pricing import per_minute
from orders.selectors import ApiLinks, order_files
from orders.services.intake import OrderQuote

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def utc(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime(TIME_FORMAT) if moment else None


def quote_output(quote: OrderQuote, order_type: str) -> dict[str, Any]:
    body: dict[str, Any] = {"mode": quote.mode, "status": "success"}
    if quote.order is not None:
        body["order_id"] = quote.order.pk
    body.update(order_total=float(quote.price.total), seconds=quote.price.seconds)
    if order_type == OrderType.TRANSLATION:
        body["words"] = quote.price.words
    body["in_wallet"] = float(quote.in_wallet)
    if order_type == OrderType.AUTOMATIC_TRANSCRIPTION:
        # No subscription here: the minutes the wallet pays for at this price.
        rate = per_minute(OrderType.AUTOMATIC_TRANSCRIPTION)
        body["ai_transcripts_minutes_left"] = int(quote.in_wallet / rate) if rate else 0
    body["delivery_estimate"] = utc(quote.delivery_estimate)
    return body


def order_output(order: Order, links: ApiLinks) -> dict[str, Any]:
    """An order as ``GET /api/v4/orders/{id}`` shows it: every documented field, its file
    URLs written by ``links`` (the caller's token, as GoTranscript's carry it)."""
    return {
        "id": order.pk,
        "type": order.type,
        "status": order.status,
        "price": float(order.order_total),
        "paid_at": utc(order.paid_at),
        "delivery_estimate": utc(order.delivery_estimate),
        "finished_at": utc(order.finished_at),
        "comment": order.comment,
        "seconds": order.seconds,
        "words": order.words,
        "translate_from": order.translate_from,
        "translate_to": order.translate_to,
        "language": order.language,
        "text_format": order.text_format,
        "timestamping": order.timestamping,
        "turnaround_time": order.turnaround_time,
        "number_of_speakers": order.number_of_speakers,
        "captions": order.captions,
        # Why a refunded order was refunded (GoTranscript's clients ignore what they
        # do not know; a person reading the order wants to know).
        "refund_reason": order.refund_reason,
        **order_files(order, links),
    }


def money(value: Decimal) -> float:
    return float(value)
