from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "GoTranscript orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jobs.transcripts.signals import transcript_edited
        from orders.api import schema  # noqa: F401 - registers api_token in the schema
        from review.signals import review_delivered, review_refunded
        from webhooks.signals import event_emitted

        event_emitted.connect(_follow, dispatch_uid="orders.job_event_follow")
        review_delivered.connect(_delivered, dispatch_uid="orders.review_delivered")
        review_refunded.connect(_refunded, dispatch_uid="orders.review_refunded")
        transcript_edited.connect(_edited, dispatch_uid="orders.transcript_edited")


def _follow(sender: object, **kwargs: Any) -> None:
    from orders.services.fulfilment import job_event_follow

    job_event_follow(**kwargs)


def _delivered(sender: object, *, task: Any, **_: Any) -> None:
    from orders.services.fulfilment import review_closed

    review_closed(task)


def _refunded(sender: object, *, task: Any, reason: str, **_: Any) -> None:
    from orders.services.fulfilment import review_closed

    review_closed(task, reason=reason)


def _edited(sender: object, *, job_id: Any, translation_id: Any, **_: Any) -> None:
    from orders.services.fulfilment import order_recheck

    order_recheck(job_id=job_id, translation_id=translation_id)
