"""Search across an organization's transcripts: ``selectors.transcripts_search`` ranks
segments of current transcripts (FTS5 on SQLite, PostgreSQL full-text search), with
``api`` and ``pages`` over it; ``schema`` holds each database's index."""
