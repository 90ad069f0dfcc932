"""Thin task wrappers: ids in, services do the work."""

from __future__ import annotations

from orders.services.callbacks import callback_attempt as _attempt
from orders.services.callbacks import callbacks_recover
from orders.services.documents import document_translate


def callback_attempt(callback_id: int) -> bool | None:
    return _attempt(int(callback_id))


def recover_callbacks() -> int:
    return callbacks_recover()


def translate_document(order_id: int) -> bool:
    return document_translate(int(order_id))
