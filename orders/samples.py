"""GoTranscript's sample orders, which ``mode=test`` lists and reads: one finished order
of each type with a test file, never stored (``mode="test"``, so their file URLs are the
``/api/v4/test-file/<type>`` files: ``orders.selectors.order_file_url``). Order 1 is
GoTranscript's own documented example."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orders.models import Order, OrderStatus, OrderType

# Fewer a page than live orders' 50, so a client's loop over next_page_url runs in
# mode=test too (GoTranscript's mode=test example has a next_page_url).
SAMPLE_PAGE_SIZE = 3


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _sample(number: int, order_type: str, price: str, paid: str, due: str, done: str,
            **fields: Any) -> Order:  # fmt: skip
    return Order(
        id=number, mode="test", type=order_type, status=OrderStatus.FINISHED,
        order_total=Decimal(price), paid_at=_at(paid), delivery_estimate=_at(due),
        finished_at=_at(done), **fields,
    )  # fmt: skip


_HUMAN = {"text_format": "clean_verbatim", "timestamping": "not_required",
          "turnaround_time": "3_days"}  # fmt: skip

SAMPLE_ORDERS: tuple[Order, ...] = (
    _sample(6, OrderType.SUBTITLES, "3.5", "2022-11-24 08:00:00", "2022-11-29 08:00:00",
            "2022-11-27 14:40:00", seconds=420, translate_from="english",
            translate_to="spanish", comment="Brand names stay in English"),
    _sample(5, OrderType.TRANSCRIPTION_PROOFREADING, "2.1", "2022-11-23 12:00:00",
            "2022-11-26 12:00:00", "2022-11-25 10:05:00", seconds=300, language="english",
            captions=True, **_HUMAN),
    _sample(4, OrderType.AUTOMATIC_TRANSCRIPTION, "0.2", "2022-11-22 18:00:00",
            "2022-11-22 19:00:00", "2022-11-22 18:04:00", seconds=300, language="english"),
    _sample(3, OrderType.TRANSCRIPTION, "7.5", "2022-11-22 09:00:00", "2022-11-25 09:00:00",
            "2022-11-24 16:30:00", seconds=300, language="english",
            comment="Speaker names: Anna and Ben", number_of_speakers="1_or_2", **_HUMAN),
    _sample(2, OrderType.TRANSLATION, "2.4", "2022-11-21 09:30:00", "2022-11-23 09:30:00",
            "2022-11-22 17:12:00", words=120, translate_from="english",
            translate_to="german"),
    _sample(1, OrderType.CAPTIONS, "1.21", "2022-11-20 21:00:00", "2022-11-20 21:00:00",
            "2022-11-20 21:00:00", seconds=1000, language="english",
            comment="Speaker names: John and Dave", number_of_speakers="1_or_2", **_HUMAN),
)  # fmt: skip
