"""The search index's schema on each database, installed by migration
``jobs.0008_transcript_search``.

SQLite: an FTS5 table over ``jobs_segment.text`` (external content, rowid = segment id)
kept current by triggers, so every write — the engine's original, each edit, undo,
restore, bulk copies and cascading deletes — updates it in the same transaction without
any Python code having to remember. ``unicode61 remove_diacritics 2`` folds case and
accents, so "cafe" finds "café".

PostgreSQL: a stored generated column ``search_document`` = ``to_tsvector('simple',
text)`` with a GIN index on it; the database keeps it current on every write. Stored
rather than an expression index because ranking reads the vector of every match: for a
word in nearly every segment (bench/search.py, "the") recomputing ``to_tsvector`` per row
took 229 ms over 1,000 transcripts. The column is not in the Django model (SQLite has no
tsvector); ``backends.postgres_rows`` reads it by name.

The ``simple`` configuration (no stemming, no stop words) because transcripts are in any
of Whisper's languages and one segment's language may differ from the next; a language's
stemmer would mangle the others. It is accent-sensitive: ``unaccent`` needs an extension
created by a superuser, which we do not assume.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

MIGRATION = ("jobs", "0008_transcript_search")
FTS_TABLE = "jobs_segment_search"
PG_INDEX = "segment_text_search"
CONFIG = "simple"
_TRIGGERS = ("jobs_segment_search_ai", "jobs_segment_search_ad", "jobs_segment_search_au")

_SQLITE_TABLE = """
CREATE VIRTUAL TABLE IF NOT EXISTS jobs_segment_search USING fts5(
    text, content='jobs_segment', content_rowid='id',
    tokenize='unicode61 remove_diacritics 2'
)"""
# External content: FTS5 needs the old text to remove a row's terms, which the triggers
# have as ``old.text``.
_SQLITE_TRIGGERS = (
    """CREATE TRIGGER IF NOT EXISTS jobs_segment_search_ai AFTER INSERT ON jobs_segment BEGIN
        INSERT INTO jobs_segment_search(rowid, text) VALUES (new.id, new.text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS jobs_segment_search_ad AFTER DELETE ON jobs_segment BEGIN
        INSERT INTO jobs_segment_search(jobs_segment_search, rowid, text)
            VALUES ('delete', old.id, old.text);
    END""",
    """CREATE TRIGGER IF NOT EXISTS jobs_segment_search_au AFTER UPDATE OF text ON jobs_segment
    BEGIN
        INSERT INTO jobs_segment_search(jobs_segment_search, rowid, text)
            VALUES ('delete', old.id, old.text);
        INSERT INTO jobs_segment_search(rowid, text) VALUES (new.id, new.text);
    END""",
)


PG_COLUMN = "search_document"
_PG_INSTALL = (
    f"""ALTER TABLE jobs_segment ADD COLUMN {PG_COLUMN} tsvector
        GENERATED ALWAYS AS (to_tsvector('{CONFIG}'::regconfig, text)) STORED""",
    f"CREATE INDEX {PG_INDEX} ON jobs_segment USING gin ({PG_COLUMN})",
)
_PG_UNINSTALL = (
    f"DROP INDEX IF EXISTS {PG_INDEX}",
    f"ALTER TABLE jobs_segment DROP COLUMN IF EXISTS {PG_COLUMN}",
)


def install(schema_editor: Any, segment_model: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        sqlite_ensure(schema_editor.connection)
    elif vendor == "postgresql":
        for statement in _PG_INSTALL:
            schema_editor.execute(statement)


def uninstall(schema_editor: Any, segment_model: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        for trigger in _TRIGGERS:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        schema_editor.execute("DROP TABLE IF EXISTS jobs_segment_search")
    elif vendor == "postgresql":
        for statement in _PG_UNINSTALL:
            schema_editor.execute(statement)


def sqlite_ensure(connection: BaseDatabaseWrapper) -> bool:
    """Create the FTS table and its triggers where missing, rebuilding the index when
    anything was missing; True when something was. Django's SQLite schema editor
    rebuilds a table to alter it, which drops its triggers, so this also runs after every
    ``migrate`` (``jobs.apps``)."""
    if connection.vendor != "sqlite":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name FROM sqlite_master WHERE name IN (%s, %s, %s, %s)",
            [FTS_TABLE, *_TRIGGERS],
        )
        present = {row[0] for row in cursor.fetchall()}
        if present == {FTS_TABLE, *_TRIGGERS}:
            return False
        cursor.execute(_SQLITE_TABLE)
        for statement in _SQLITE_TRIGGERS:
            cursor.execute(statement)
        cursor.execute("INSERT INTO jobs_segment_search(jobs_segment_search) VALUES ('rebuild')")
    return True
