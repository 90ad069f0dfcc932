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
        from billing.audit import hold_owner_register
        from jobs import checks  # noqa: F401 - registers the system check

        hold_owner_register("job", _jobs_still_open)
        # A later migration that alters jobs_segment on SQLite rebuilds the table and
        # drops the search triggers with it; put them back (and reindex) after migrate.
        post_migrate.connect(_search_index_ensure, sender=self)


def _jobs_still_open(ids: list[str]) -> list[str]:
    """Of these job ids, those not finished: their holds are still legitimately active."""
    import uuid

    from jobs.models import FINISHED_STATUSES, TranscriptionJob

    valid: list[uuid.UUID] = []
    for raw in ids:
        try:
            valid.append(uuid.UUID(raw))
        except ValueError:
            continue
    open_ids = (
        TranscriptionJob.objects.filter(pk__in=valid)
        .exclude(status__in=FINISHED_STATUSES)
        .values_list("pk", flat=True)
    )
    return [str(pk) for pk in open_ids]
