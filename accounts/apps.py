from __future__ import annotations

from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    # allauth's app is "Accounts" in the admin too; two sections of one name confuse staff.
    verbose_name = "Organizations and people"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Registers the API key scheme with drf-spectacular.
        from accounts import schema  # noqa: F401
