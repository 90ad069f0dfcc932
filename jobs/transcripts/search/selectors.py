"""Searching an organization's transcripts: the one selector pages and the API call."""

from __future__ import annotations

import base64
import binascii
import json
import math
import uuid
from dataclasses import dataclass

from django.db import connection

from accounts.models import Organization
from jobs.errors import InvalidJobRequest
from jobs.transcripts.search.backends import Position, postgres_rows, sqlite_rows
from jobs.transcripts.search.query import MAX_QUERY_LENGTH, search_terms, snippet

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True)
class SearchHit:
    job_id: uuid.UUID
    filename: str
    segment_id: uuid.UUID  # the segment's key, as the editing API names it
    start: float
    end: float
    snippet: str
    snippet_html: str  # escaped, with matching words in <mark>


@dataclass(frozen=True)
class SearchPage:
    results: list[SearchHit]
    # Pass back as ``cursor`` for the next page; None on the last one.
    next_cursor: str | None


def transcripts_search(
    organization: Organization, query: str, *, cursor: str | None = None, limit: int = DEFAULT_LIMIT
) -> SearchPage:
    """Segments of ``organization``'s current transcripts (an edited copy once there is
    one, never also its original; never translations) that contain every word of
    ``query``, best match first.

    A query with no letters or digits finds nothing rather than failing.
    """
    query = query.strip()
    if not query:
        raise InvalidJobRequest("Type something to search for (the 'q' parameter is empty).")
    if len(query) > MAX_QUERY_LENGTH:
        raise InvalidJobRequest(
            f"Search for at most {MAX_QUERY_LENGTH} characters (this was {len(query)})."
        )
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidJobRequest(f"'limit' must be a whole number from 1 to {MAX_LIMIT}.")
    after = cursor_decode(cursor) if cursor else None
    terms = search_terms(query)
    if not terms:
        return SearchPage([], None)
    backend = postgres_rows if connection.vendor == "postgresql" else sqlite_rows
    # One row more than asked says whether there is a next page.
    rows = backend(organization, terms, after=after, limit=limit + 1)
    more, rows = len(rows) > limit, rows[:limit]
    hits = []
    for row in rows:
        shown = snippet(row.text, terms)
        hits.append(
            SearchHit(row.job_id, row.filename, row.segment_key, row.start, row.end,
                      shown.text, shown.html)
        )  # fmt: skip
    last = rows[-1] if rows else None
    next_cursor = cursor_encode(Position(last.score, last.segment_pk)) if more and last else None
    return SearchPage(hits, next_cursor)


def cursor_encode(position: Position) -> str:
    raw = json.dumps([position.score, position.segment_pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str) -> Position:
    """A cursor this module made; anything else is a 400, not a 500."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        score, segment_pk = json.loads(raw)
        if isinstance(score, bool) or not isinstance(score, int | float):
            raise ValueError
        if isinstance(segment_pk, bool) or not isinstance(segment_pk, int):
            raise ValueError
        if not math.isfinite(score) or not 0 <= segment_pk < 2**63:
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidJobRequest(
            "That cursor is not valid: use the 'next' link of a previous page as it is."
        ) from None
    return Position(float(score), segment_pk)
