"""GoTranscript's ``translations`` order: a text document (.txt or .docx) machine-
translated paragraph by paragraph through Hark's translators (``jobs.translation``:
Apertium's offline pairs by default), priced per word.

A document has no audio, so no transcription job or transcript can hold it; the order
keeps its paragraphs (``OrderDocument``) and its one hold, and is finished or refunded
by ``orders.services.fulfilment`` like every other order.
"""

from __future__ import annotations

import logging
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import docx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import ApiKey, Organization
from billing.selectors import available_credits
from billing.services import InsufficientCredits, hold_place
from jobs.alignment.words import words_split
from jobs.engines.base import ProviderError
from jobs.errors import InvalidJobRequest
from jobs.services.url_intake import media_fetch
from jobs.translation.services.intake import translation_plan
from jobs.translation.services.translators import texts_translate
from lib.queue import enqueue_not_before
from orders import languages
from orders.models import Order, OrderDocument, OrderStatus, OrderType
from orders.pricing import order_price

logger = logging.getLogger(__name__)

NOT_A_DOCUMENT = "url must point to a text document: a .txt file (UTF-8) or a Word .docx file."
NO_WORDS = "The document has no words to translate."


def document_paragraphs(path: Path) -> list[str]:
    """The document's non-empty paragraphs: a Word document's (python-docx), or a text
    file's lines. InvalidJobRequest for anything else."""
    if zipfile.is_zipfile(path):
        try:
            paragraphs = [p.text for p in docx.Document(str(path)).paragraphs]
        except (KeyError, ValueError, zipfile.BadZipFile):
            raise InvalidJobRequest(NOT_A_DOCUMENT) from None
    else:
        try:
            paragraphs = path.read_bytes().decode("utf-8-sig").splitlines()
        except UnicodeDecodeError:
            raise InvalidJobRequest(NOT_A_DOCUMENT) from None
    cleaned = [" ".join(p.split()) for p in paragraphs]
    return [p for p in cleaned if p]


def document_fetch(url: str) -> tuple[str, list[str]]:
    """The document at ``url`` (through the SSRF guard and the upload size cap): its
    file name and paragraphs."""
    with tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as folder:
        fetched = media_fetch(url, Path(folder))
        return fetched.filename, document_paragraphs(fetched.path)


def translation_pair(translate_from: str, translate_to: str) -> tuple[str, str]:
    """GoTranscript's language names as codes, once a translator here takes the pair;
    otherwise a 400 naming what is offered from that language."""
    source, target = languages.code_for(translate_from), languages.code_for(translate_to)
    # Whisper hears audio; a document has none.
    translation_plan(source, target, audio_kept=False)
    return source, target


@dataclass(frozen=True)
class DocumentQuote:
    filename: str
    paragraphs: list[str]
    words: int


def document_quote(url: str, translate_from: str, translate_to: str) -> DocumentQuote:
    translation_pair(translate_from, translate_to)
    filename, paragraphs = document_fetch(url)
    words = sum(len(words_split(p)) for p in paragraphs)
    if not words:
        raise InvalidJobRequest(NO_WORDS)
    return DocumentQuote(filename, paragraphs, words)


def document_order_create(
    *,
    organization: Organization,
    api_key: ApiKey | None,
    quote: DocumentQuote,
    fields: dict[str, object],
) -> Order:
    """The live order, its document and its hold, and its task queued, in one
    transaction; InsufficientCredits when the wallet cannot pay."""
    price = order_price(OrderType.TRANSLATION, words=quote.words)
    available = available_credits(organization)
    if price.total > available:
        raise InsufficientCredits(
            available=max(available, Decimal("0")), required=price.total, work="order"
        )
    reference = Order.new_hold_reference()
    with transaction.atomic():
        order = Order.objects.create(
            organization=organization, api_key=api_key, words=quote.words,
            order_total=price.total, hold_reference=reference, paid_at=timezone.now(),
            **fields,
        )  # fmt: skip
        OrderDocument.objects.create(
            order=order, filename=quote.filename[:255], paragraphs=quote.paragraphs
        )
        enqueue_not_before(
            "orders.tasks.translate_document", order.pk, task_name=f"translate order {order.pk}"
        )
        hold_place(organization=organization, amount=price.total, reference=reference, work="order")
    return order


def document_translate(order_id: int) -> bool:
    """The worker's side: translate the order's document through the pair's translators
    in turn, then finish the order (its hold captured); refund it when none can, or
    when its delivery estimate has passed. False when there was nothing to do (a
    redelivered task, an order no longer open) or when it is to be tried again."""
    # Imported here: fulfilment imports the selectors this module's callers use.
    from orders.services.fulfilment import order_finish, order_refund

    order = Order.objects.select_related("organization").filter(pk=order_id).first()
    if order is None or order.status != OrderStatus.PROCESSING:
        return False
    document = OrderDocument.objects.get(order=order)
    source = languages.code_for(order.translate_from)
    target = languages.code_for(order.translate_to)
    failures: list[ProviderError] = []
    try:
        route = translation_plan(source, target, audio_kept=False)
    except InvalidJobRequest as exc:
        return order_refund(order, f"{exc.message} {REFUND_SUFFIX}")
    for name in route:
        try:
            translated = texts_translate(name, document.paragraphs, source, target)
        except ProviderError as exc:
            logger.warning("order %s: translator %s failed: %s", order.pk, name, exc.message)
            failures.append(exc)
            continue
        with transaction.atomic():
            claimed = OrderDocument.objects.filter(pk=document.pk, translator="").update(
                translated=translated, translator=name
            )
            return bool(claimed) and order_finish(order)
    if any(not f.permanent for f in failures) and order.delivery_estimate > timezone.now():
        # A translator that may work next time (a crash, a timeout, an upstream's 429 or
        # 5xx): the order stays open and documents_recover queues it again, every
        # minute once DOCUMENT_TASK_LOST_AFTER has passed, until its delivery estimate.
        logger.warning("order %s: every translator failed for now; tried again later", order.pk)
        return False
    reason = failures[-1].message if failures else "No translator could translate the document."
    return order_refund(order, f"{reason} {REFUND_SUFFIX}")


REFUND_SUFFIX = "Its price was returned to your wallet."
# A document's task left undone this long was lost (its worker died past the broker's
# retries, or it raised): queued again, until the order's promised delivery has passed.
DOCUMENT_TASK_LOST_AFTER = timedelta(minutes=10)
LATE = "The document could not be translated in time."


def documents_recover(now: datetime | None = None) -> int:
    """Queue again the translation orders whose task was lost, and refund those past
    their delivery estimate (a task that fails every time must not hold credits
    forever); how many it touched. Scheduled with the callbacks' sweeper."""
    from orders.services.fulfilment import order_refund

    now = now or timezone.now()
    stuck = Order.objects.filter(
        type=OrderType.TRANSLATION,
        status=OrderStatus.PROCESSING,
        document__translator="",
        paid_at__lt=now - DOCUMENT_TASK_LOST_AFTER,
    ).order_by("pk")[:200]
    for order in stuck:
        if order.delivery_estimate < now:
            order_refund(order, f"{LATE} {REFUND_SUFFIX}")
        else:
            enqueue_not_before(
                "orders.tasks.translate_document", order.pk,
                task_name=f"translate order {order.pk} (recovered)",
            )  # fmt: skip
    return len(stuck)
