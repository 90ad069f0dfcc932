from __future__ import annotations

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the django-q2 signals that carry request ids into tasks and start each
        # worker process's heartbeat; in the web process and in workers alike.
        from ops import signals  # noqa: F401
