"""An order follows its jobs: finished (hold captured, callback ``finished``) when its
result exists, refunded (hold released, callback ``refunded``) when it cannot be made.

Jobs announce their completion through ``webhooks.signals.event_emitted`` (sent in the
transaction that completes the job), so orders never poll. Human-quality orders
(``REVIEWED_TYPES``) are not finished by their job: the AI draft goes to the review
desk through ``send_to_review``; its delivery finishes the order and its refund refunds
it (``review_closed``, connected to the desk's signals in ``orders.apps``).
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from billing.services import hold_capture, hold_release
from jobs.models import JobTask
from jobs.translation.models import TranslationJob
from orders.models import REVIEWED_TYPES, CallbackStatus, Order, OrderStatus, OrderType
from orders.selectors import ApiLinks, order_files
from orders.services.automatic import ordered_language_translation
from orders.services.callbacks import callback_create, organization_callback_url
from review.models import ReviewSource, ReviewTask
from review.services import request_review
from webhooks.events import JOB_CANCELED, JOB_COMPLETED, JOB_FAILED

logger = logging.getLogger(__name__)

OPEN = (OrderStatus.PROCESSING, OrderStatus.IN_REVIEW)
REFUND_MESSAGE = "We could not make this order; its price was returned to your wallet."


def send_to_review(order: Order) -> None:
    """Hand a human-quality order whose AI draft is ready to the review desk, due when
    the order promised delivery and with the customer's comment for the reviewer.

    The order keeps its own hold: the task carries none, so the desk moves no money for
    it; the desk's ``review_delivered`` / ``review_refunded`` finish or refund the order
    (``review_closed``), which captures or releases that hold.
    """
    moved = Order.objects.filter(pk=order.pk, status=OrderStatus.PROCESSING).update(
        status=OrderStatus.IN_REVIEW
    )
    if moved and order.transcription_job is not None:
        request_review(
            job=order.transcription_job,
            due_at=order.delivery_estimate,
            comment=order.comment,
            hold_reference="",
            source=ReviewSource.ORDER,
        )


def review_closed(task: ReviewTask, *, reason: str | None = None) -> bool:
    """Finish (``reason`` None: delivered) or refund the order ``task`` reviewed; False
    when the task was not an order's (a workspace review) or the order is not in review."""
    if task.source != ReviewSource.ORDER:
        return False
    order = (
        Order.objects.select_related("organization")
        .filter(transcription_job_id=task.job_id, status=OrderStatus.IN_REVIEW)
        .first()
    )
    if order is None:
        return False
    if reason is None:
        return order_finish(order)
    return order_refund(order, reason)


@transaction.atomic
def order_finish(order: Order) -> bool:
    """Charge the order's hold and send its ``finished`` callback; False if it was not
    open (a second delivery never charges twice)."""
    finished = Order.objects.filter(pk=order.pk, status__in=OPEN).update(
        status=OrderStatus.FINISHED, finished_at=timezone.now()
    )
    if not finished:
        return False
    hold_capture(
        reference=order.hold_reference,
        amount=order.order_total,
        description=f"Order {order.pk}: {OrderType(order.type).label}",
        seconds=float(order.seconds) or None,
        product=f"order:{order.type}",
    )
    order.refresh_from_db()
    order_callback_send(order)
    return True


@transaction.atomic
def order_refund(order: Order, reason: str = REFUND_MESSAGE) -> bool:
    """Release the order's hold (nothing is charged) and send its ``refunded`` callback."""
    refunded = Order.objects.filter(pk=order.pk, status__in=OPEN).update(
        status=OrderStatus.REFUNDED, finished_at=timezone.now(), refund_reason=reason
    )
    if not refunded:
        return False
    hold_release(reference=order.hold_reference)
    order.refresh_from_db()
    order_callback_send(order)
    return True


def order_recheck(*, job_id: uuid.UUID, translation_id: uuid.UUID | None) -> bool:
    """GoTranscript calls back again when a delivered order is corrected (its quality
    re-check): a finished order whose transcript (or translation) was edited sends its
    ``finished`` callback again, its files now serving the corrected text. A burst of
    edits makes one callback: none is added while one is still being sent."""
    orders = Order.objects.select_related("organization").filter(status=OrderStatus.FINISHED)
    if translation_id is not None:
        orders = orders.filter(translation_job_id=translation_id)
    else:
        orders = orders.filter(transcription_job_id=job_id, translation_job__isnull=True)
    order = orders.first()
    if order is None or order.callbacks.filter(status=CallbackStatus.PENDING).exists():
        return False
    with transaction.atomic():
        order_callback_send(order)
    return True


def order_callback_send(order: Order) -> None:
    """Queue the order's callback to its own URL, or the organization's; GoTranscript
    sends the same callback again after a quality re-check, so this may run again."""
    url = order.callback_url or organization_callback_url(order.organization)
    if url:
        callback_create(
            organization=order.organization, url=url, fields=callback_fields(order), order=order
        )


def callback_fields(order: Order) -> dict[str, str]:
    """The multipart fields GoTranscript documents for the order's type; a finished
    order's file URLs carry a token for its own files, as GoTranscript's carry the API
    token (fetched as they are, or with ``&format=json`` appended)."""
    finished = order.status == OrderStatus.FINISHED
    files = order_files(order, ApiLinks.for_callback(order) if finished else None)
    fields: dict[str, str] = {
        "mode": "live",
        "order_id": str(order.pk),
        "status": "finished" if finished else "refunded",
    }
    if order.type not in (OrderType.SUBTITLES, OrderType.TRANSLATION):
        fields["language"] = order.language
    for name, url in files.items():
        if name == "proofread_captions_url" and not finished:
            continue  # "will not be present" unless finished
        fields[name] = url if finished else ""
    return fields


def _order_for_job(job_id: uuid.UUID | str, job_type: str) -> Order | None:
    if job_type == "translation":
        return (
            Order.objects.select_related("organization")
            .filter(transcription_job__translations__pk=job_id, status__in=OPEN)
            .first()
        )
    return (
        Order.objects.select_related("organization", "transcription_job")
        .filter(transcription_job__pk=job_id, status__in=OPEN)
        .first()
    )


def job_event_follow(
    *, event_type: str, job_id: uuid.UUID | str | None, job_type: str, **_: Any
) -> None:
    """What an order does when its job (or its job's translation) completes or fails."""
    if job_id is None:
        return
    order = _order_for_job(job_id, job_type)
    if order is None:
        return
    with transaction.atomic():
        if event_type in (JOB_FAILED, JOB_CANCELED):
            order_refund(order, _refund_reason(order, event_type, job_type, job_id))
        elif event_type != JOB_COMPLETED:
            return
        elif job_type == "translation":
            Order.objects.filter(pk=order.pk).update(translation_job_id=job_id)
            order_finish(order)
        elif order.type == OrderType.SUBTITLES and _translating(order):
            return  # finished when its translation is
        elif ordered_language_translation(order):
            return  # spoken in another language: finished when its translation is
        elif order.type in REVIEWED_TYPES:
            send_to_review(order)
        else:
            order_finish(order)


def _refund_reason(order: Order, event_type: str, job_type: str, job_id: uuid.UUID | str) -> str:
    """Why the order is refunded: the failed job's own sentence when it says something
    the customer can act on (a transcript with no words, none found in the audio, or too
    poor to proofread; a language nothing here translates into)."""
    if event_type != JOB_FAILED:
        return REFUND_MESSAGE
    if job_type == "translation":
        failed = TranslationJob.objects.filter(
            organization_id=order.organization_id, pk=job_id
        ).values_list("error_message", flat=True)
        message = failed.first() or ""
    else:
        job = order.transcription_job
        if job is None or job.task not in JobTask.known_text():
            return REFUND_MESSAGE
        job.refresh_from_db(fields=["error_message"])
        message = job.error_message
    return f"{message} {REFUND_MESSAGE}" if message else REFUND_MESSAGE


def _translating(order: Order) -> bool:
    """Whether the order's job also makes a translation, which finishes the order."""
    return order.transcription_job is not None and bool(order.transcription_job.translate_to)
