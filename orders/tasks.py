"""Thin task wrappers: ids in, services do the work."""

from __future__ import annotations

from orders.services.callbacks import callback_attempt as _attempt
from orders.services.callbacks import callbacks_recover
from orders.services.documents import document_translate, documents_recover


def callback_attempt(callback_id: int) -> bool | None:
    return _attempt(int(callback_id))


def recover_callbacks() -> int:
    # Orders' every-minute sweeper (scheduled by migration 0002): lost callbacks, and
    # translation orders whose document task was lost.
    return callbacks_recover() + documents_recover()


def translate_document(order_id: int) -> bool:
    return document_translate(int(order_id))
