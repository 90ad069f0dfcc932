"""The database cache's table (API rate-limit counters) comes with ``migrate``.

Every installation runs ``migrate``; not every one runs ``createcachetable`` (the
benchmarks' throwaway installations did not, and answered 500 on the first throttled
request). The command is idempotent and does nothing when the cache is Redis.
"""

from typing import Any

from django.core.management import call_command
from django.db import migrations


def create_cache_table(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_worker_heartbeat")]

    operations = [migrations.RunPython(create_cache_table, migrations.RunPython.noop)]
