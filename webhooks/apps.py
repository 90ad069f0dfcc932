from __future__ import annotations

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class WebhooksConfig(AppConfig):
    name = "webhooks"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Each app's ``callbacks`` module registers its providers' callback handlers
        # (see webhooks.callbacks), in the web process and in workers alike.
        autodiscover_modules("callbacks")
