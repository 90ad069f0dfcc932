"""Reading orders: always scoped to the organization inside the query."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse

from accounts.models import Organization
from orders.file_tokens import order_file_token
from orders.models import CallbackAttempt, Order, OrderCallback, OrderType
from orders.samples import SAMPLE_ORDERS, SAMPLE_PAGE_SIZE

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


def _page(orders: Sequence[Order], size: int) -> tuple[list[Order], int | None]:
    page = list(orders[: size + 1])
    more = len(page) > size
    page = page[:size]
    return page, (page[-1].pk if more else None)


def orders_page(organization: Organization, cursor: int | None) -> tuple[list[Order], int | None]:
    """One page, newest first, from before order ``cursor``; and the next page's cursor."""
    orders = orders_for(organization)
    if cursor is not None:
        orders = orders.filter(pk__lt=cursor)
    return _page(orders, PAGE_SIZE)  # type: ignore[arg-type]  # sliced like a sequence


def sample_orders_page(cursor: int | None) -> tuple[list[Order], int | None]:
    """``mode=test``: a page of GoTranscript's sample orders, paged as live ones are."""
    orders = [o for o in SAMPLE_ORDERS if cursor is None or o.pk < cursor]
    return _page(orders, SAMPLE_PAGE_SIZE)


def _order_number(order_id: object) -> int:
    try:
        return int(str(order_id))
    except ValueError:
        raise Http404 from None


def order_get(organization: Organization, order_id: object) -> Order:
    """The organization's order, or 404 — the same 404 for another organization's."""
    order = (
        Order.objects.select_related("transcription_job", "translation_job")
        .filter(organization=organization, pk=_order_number(order_id))
        .first()
    )
    if order is None:
        raise Http404
    return order


def sample_order_get(order_id: object) -> Order:
    """``mode=test``: the sample order with this id, or the 404 of a missing order."""
    number = _order_number(order_id)
    for order in SAMPLE_ORDERS:
        if order.pk == number:
            return order
    raise Http404


@dataclass(frozen=True)
class ApiLinks:
    """How one answer writes its ``/api/v4/`` URLs: absolute (``HARK_PUBLIC_URL``, else
    ``base``: the host the request came to) and, as GoTranscript's carry it, with the
    ``api_token`` the caller presented, so a client can fetch one as it is or append
    ``&format=json`` as GoTranscript's documentation does. Only that token: Hark keeps
    hashes of keys, and never mints or picks one for a caller who sent none. A callback
    has no caller: its links (``for_callback``) carry an order file token instead, which
    downloads that one order's files (``orders.file_tokens``)."""

    base: str = ""
    api_token: str = ""

    @classmethod
    def for_callback(cls, order: Order) -> ApiLinks:
        return cls(base=order.api_base_url, api_token=order_file_token(order))

    def url(self, route: str, query: dict[str, object] | None = None, **kwargs: object) -> str:
        root = settings.HARK_PUBLIC_URL or self.base
        # GoTranscript's order: anything before the token (mode), the token, the rest.
        query = dict(query or {})
        after = {k: query.pop(k) for k in list(query) if k != "mode"}
        if self.api_token:
            query["api_token"] = self.api_token
        query.update(after)
        path = reverse(route, kwargs=kwargs or None)
        return f"{root}{path}?{urlencode(query)}" if query else f"{root}{path}"


def orders_page_url(links: ApiLinks, mode: str, cursor: int) -> str:
    """GoTranscript's ``next_page_url``: ``?mode=…&api_token=…&cursor=…``."""
    return links.url("orders-list", {"mode": mode, "cursor": cursor})


# A transcript's test file for each order type that has one of its own (GoTranscript's
# ``/api/v4/test-file/<type>`` URLs); other files are the test file of their kind.
TEST_FILE_OF_KIND = {
    "transcription": "transcriptions", "captions": "captions", "subtitles": "subtitles",
    "translation": "translations",
}  # fmt: skip
TRANSCRIPT_TEST_FILES = frozenset(
    {OrderType.TRANSCRIPTION, OrderType.AUTOMATIC_TRANSCRIPTION,
     OrderType.TRANSCRIPTION_PROOFREADING}
)  # fmt: skip


def order_file_url(order: Order, kind: str, links: ApiLinks) -> str:
    """Where the order's ``kind`` file is served: a sample order's (``mode=test``) is
    the test file GoTranscript's own sample answers point to."""
    if order.mode != "test":
        return links.url("orders-file", order_id=order.pk, kind=kind)
    test_file = TEST_FILE_OF_KIND[kind]
    if kind == "transcription" and order.type in TRANSCRIPT_TEST_FILES:
        test_file = order.type
    return links.url("orders-test-file", order_type=test_file)


def order_files(order: Order, links: ApiLinks | None = None) -> dict[str, str]:
    """The order's documented file fields → their URLs (served once it is finished)."""
    fields = FILE_FIELDS[order.type]
    if order.type == OrderType.TRANSCRIPTION_PROOFREADING and not order.captions:
        fields = fields[:1]
    links = links or ApiLinks()
    return {name: order_file_url(order, kind, links) for name, kind in fields}


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
