"""The sweeper of lost webhook deliveries runs in the deliveries cluster, beside the
deliveries it queues again, so it never waits behind transcription chunks either."""

from __future__ import annotations

from typing import Any

from django.db import migrations

FUNC = "webhooks.tasks.recover_deliveries"
# Frozen here: lib.queue.DELIVERIES_CLUSTER at the time of writing.
DELIVERIES_CLUSTER = "deliveries"


def to_deliveries(apps: Any, schema_editor: Any) -> None:
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(func=FUNC).update(cluster=DELIVERIES_CLUSTER)


def to_main(apps: Any, schema_editor: Any) -> None:
    Schedule = apps.get_model("django_q", "Schedule")
    Schedule.objects.filter(func=FUNC).update(cluster=None)


class Migration(migrations.Migration):
    dependencies = [("webhooks", "0002_schedule_recovery")]
    operations = [migrations.RunPython(to_deliveries, to_main)]
