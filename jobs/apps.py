from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def _search_index_ensure(using: str = "default", **kwargs: Any) -> None:
    from django.db.migrations.recorder import MigrationRecorder

    from jobs.transcripts.search.schema import MIGRATION, sqlite_ensure

    connection = connections[using]
    if (
        connection.vendor == "sqlite"
        and MIGRATION in MigrationRecorder(connection).applied_migrations()
    ):
        sqlite_ensure(connection)


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from jobs import checks  # noqa: F401 - registers the system check

        # A later migration that alters jobs_segment on SQLite rebuilds the table and
        # drops the search triggers with it; put them back (and reindex) after migrate.
        post_migrate.connect(_search_index_ensure, sender=self)
