"""Reading orders: always scoped to the organization inside the query."""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from accounts.models import Organization
from orders.models import CallbackAttempt, Order, OrderCallback, OrderType

PAGE_SIZE = 50

# The file fields each order type documents, and the file each one serves.
FILE_FIELDS: dict[str, tuple[tuple[str, str], ...]] = {
    OrderType.TRANSCRIPTION: (("transcription_url", "transcription"),),
    OrderType.AUTOMATIC_TRANSCRIPTION: (
        ("transcription_url", "transcription"),
        ("captions_url", "captions"),
    ),
    OrderType.CAPTIONS: (("captions_url", "captions"), ("transcription_url", "transcription")),
    OrderType.SUBTITLES: (("subtitles_url", "subtitles"),),
    OrderType.TRANSLATION: (("translation_url", "translation"),),
    OrderType.TRANSCRIPTION_PROOFREADING: (
        ("proofread_transcription_url", "transcription"),
        ("proofread_captions_url", "captions"),
    ),
    OrderType.FORCED_ALIGNMENT: (("forced_alignment_transcription_url", "alignment"),),
}


def orders_for(organization: Organization) -> QuerySet[Order]:
    return Order.objects.filter(organization=organization).order_by("-id")


def orders_page(organization: Organization, cursor: int | None) -> tuple[list[Order], int | None]:
    """One page, newest first, from before order ``cursor``; and the next page's cursor."""
    orders = orders_for(organization)
    if cursor is not None:
        orders = orders.filter(pk__lt=cursor)
    page = list(orders[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    return page, (page[-1].pk if more else None)


def order_get(organization: Organization, order_id: object) -> Order:
    """The organization's order, or 404 — the same 404 for another organization's."""
    try:
        number = int(str(order_id))
    except ValueError:
        raise Http404 from None
    order = (
        Order.objects.select_related("transcription_job", "translation_job")
        .filter(organization=organization, pk=number)
        .first()
    )
    if order is None:
        raise Http404
    return order


def order_file_url(order_id: object, kind: str) -> str:
    path = reverse("orders-file", kwargs={"order_id": order_id, "kind": kind})
    return f"{settings.HARK_PUBLIC_URL}{path}"


def order_files(order: Order) -> dict[str, str]:
    """The order's documented file fields → their URLs (served once it is finished)."""
    fields = FILE_FIELDS[order.type]
    if order.type == OrderType.TRANSCRIPTION_PROOFREADING and not order.captions:
        fields = fields[:1]
    return {name: order_file_url(order.pk, kind) for name, kind in fields}


def order_file_kinds(order: Order) -> set[str]:
    return {kind for _, kind in FILE_FIELDS[order.type]}


def callbacks_for(organization: Organization, limit: int = 20) -> list[OrderCallback]:
    return list(
        OrderCallback.objects.filter(organization=organization)
        .prefetch_related("tries")
        .order_by("-created_at", "-id")[:limit]
    )


def attempts_for(callback: OrderCallback) -> QuerySet[CallbackAttempt]:
    return callback.tries.all()
