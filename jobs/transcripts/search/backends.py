"""The two ways of finding and ranking segments; each returns rows best first with a
``score`` where higher is better, scoped to one organization's current transcripts in
the query itself."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import FloatField, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from accounts.models import Organization
from jobs.models import TranscriptionJob
from jobs.transcripts.models import Segment, Transcript, TranscriptKind
from jobs.transcripts.search.query import SearchTerms
from jobs.transcripts.search.schema import CONFIG, FTS_TABLE, PG_COLUMN


@dataclass(frozen=True)
class Position:
    """Where a page ends: the last row's score and segment pk (rows are ordered by score
    descending, then pk)."""

    score: float
    segment_pk: int


@dataclass(frozen=True)
class Row:
    segment_pk: int
    segment_key: uuid.UUID
    start: float
    end: float
    text: str
    job_id: uuid.UUID
    filename: str
    score: float


def sqlite_rows(
    organization: Organization, terms: SearchTerms, *, after: Position | None, limit: int
) -> list[Row]:
    """FTS5 with bm25 (negated, so higher is better). The MATCH drives the query; each
    hit is then joined to its transcript and job and kept only if it is this
    organization's current transcript."""
    segment, transcript = Segment._meta.db_table, Transcript._meta.db_table
    job = TranscriptionJob._meta.db_table
    params: list[str | int | float] = [terms.fts5(), organization.pk, TranscriptKind.TRANSLATED]
    page = ""
    if after is not None:
        page = "WHERE score < %s OR (score = %s AND segment_pk > %s)"
        params += [after.score, after.score, after.segment_pk]
    sql = f"""
        SELECT * FROM (
            SELECT s.id AS segment_pk, s.key, s.start, s."end", s.text, j.id,
                   j.original_filename, -bm25({FTS_TABLE}) AS score
            FROM {FTS_TABLE}
            JOIN {segment} s ON s.id = {FTS_TABLE}.rowid
            JOIN {transcript} t ON t.id = s.transcript_id
            JOIN {job} j ON j.id = t.job_id
            WHERE {FTS_TABLE} MATCH %s AND j.organization_id = %s
              AND t.is_current AND t.kind <> %s
        ) {page}
        ORDER BY score DESC, segment_pk
        LIMIT %s
    """  # noqa: S608 - table names are ours; every value is a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        found = cursor.fetchall()
    return [
        Row(pk, uuid.UUID(str(key)), start, end, text, uuid.UUID(str(job_id)), name, score)
        for pk, key, start, end, text, job_id, name, score in found
    ]


def postgres_rows(
    organization: Organization, terms: SearchTerms, *, after: Position | None, limit: int
) -> list[Row]:
    """The stored ``search_document`` column (GIN-indexed) against the terms, ranked by
    ``ts_rank``."""
    # Both names are constants of ours, not input.
    column = f'"{Segment._meta.db_table}"."{PG_COLUMN}"'
    vector = RawSQL(column, [], SearchVectorField())  # noqa: S611
    query = SearchQuery(terms.tsquery(), search_type="raw", config=CONFIG)
    rows = (
        Segment.objects.filter(
            transcript__job__organization=organization, transcript__is_current=True
        )
        .exclude(transcript__kind=TranscriptKind.TRANSLATED)
        # ts_rank is a real; as a double the value read back into a cursor is exactly the
        # one compared against on the next page (a real comes back rounded).
        .annotate(document=vector, score=Cast(SearchRank(vector, query), FloatField()))
        .filter(document=query)
    )
    if after is not None:
        rows = rows.filter(Q(score__lt=after.score) | Q(score=after.score, pk__gt=after.segment_pk))
    found = rows.order_by("-score", "pk").values_list(
        "pk", "key", "start", "end", "text", "transcript__job_id",
        "transcript__job__original_filename", "score",
    )[:limit]  # fmt: skip
    return [Row(*values) for values in found]
