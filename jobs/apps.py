from __future__ import annotations

from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "jobs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from billing.audit import hold_owner_register
        from jobs import checks  # noqa: F401 - registers the system check

        hold_owner_register("job", _jobs_still_open)


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
