"""Retention: when a job's media was deleted (its transcript kept), and the daily task
that deletes what organizations asked to keep no longer."""

from __future__ import annotations

from typing import Any

from django.db import migrations, models

FUNC = "jobs.organization_data.tasks.expire_media"


def schedule(apps: Any, schema_editor: Any) -> None:
    # update_or_create: running the migration again (or on a copy) keeps one schedule.
    apps.get_model("django_q", "Schedule").objects.update_or_create(
        func=FUNC,
        defaults={
            "name": "Delete media past its organization's retention",
            "schedule_type": "H",
            "repeats": -1,
        },
    )


def unschedule(apps: Any, schema_editor: Any) -> None:
    apps.get_model("django_q", "Schedule").objects.filter(func=FUNC).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0009_translations"),
        ("accounts", "0002_organization_retention"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [
        migrations.AddField(
            model_name="transcriptionjob",
            name="media_deleted_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(schedule, unschedule),
    ]
