from __future__ import annotations

from typing import Any

from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "orders"
    verbose_name = "GoTranscript orders"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from orders.api import schema  # noqa: F401 - registers api_token in the schema
        from webhooks.signals import event_emitted

        event_emitted.connect(_follow, dispatch_uid="orders.job_event_follow")


def _follow(sender: object, **kwargs: Any) -> None:
    from orders.services.fulfilment import job_event_follow

    job_event_follow(**kwargs)
