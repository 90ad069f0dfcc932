# Full-text search over segment text (jobs.transcripts.search): an FTS5 table kept by
# triggers on SQLite, a GIN expression index on PostgreSQL. Neither is in the model
# state, as neither can be expressed on both databases.

from django.db import migrations


def install(apps, schema_editor):
    from jobs.transcripts.search.schema import install

    install(schema_editor, apps.get_model("jobs", "Segment"))


def uninstall(apps, schema_editor):
    from jobs.transcripts.search.schema import uninstall

    uninstall(schema_editor, apps.get_model("jobs", "Segment"))


class Migration(migrations.Migration):
    dependencies = [("jobs", "0007_transcripts")]

    operations = [migrations.RunPython(install, uninstall)]
