from __future__ import annotations

from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class OpsConfig(AppConfig):
    default = True
    name = "ops"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Connects the django-q2 signals that carry request ids into tasks and start each
        # worker process's heartbeat; in the web process and in workers alike.
        from ops import signals  # noqa: F401


class HarkAdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with Hark's site as the default (``admin.site``)."""

    default = False  # named in INSTALLED_APPS; "ops" alone means OpsConfig
    default_site = "ops.admin_site.HarkAdminSite"
