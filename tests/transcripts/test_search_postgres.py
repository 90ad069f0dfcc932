"""The shared search behaviour (``tests.support.search_cases``) on PostgreSQL: full-text
search over a GIN-indexed stored tsvector instead of FTS5. Run by bin/test with
``-m postgres`` against its throwaway server."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs.transcripts.search.schema import PG_COLUMN, PG_INDEX
from jobs.transcripts.search.selectors import transcripts_search
from tests.support.search_cases import (  # noqa: F401 - collected here
    jfk,
    test_a_segment_saying_the_word_three_times_ranks_above_one_saying_it_once,
    test_an_edit_made_through_the_api_is_found_at_once_and_the_old_word_is_not,
    test_an_edited_transcripts_original_is_never_returned_as_well,
    test_bad_parameters_are_a_400_that_says_what_to_fix,
    test_bob_never_finds_what_only_alices_transcript_says,
    test_case_is_ignored_and_accents_are_where_the_database_can,
    test_every_word_must_be_said_and_a_quoted_phrase_in_order,
    test_hostile_queries_are_answered_and_never_an_error,
    test_markup_typed_into_a_segment_comes_back_escaped,
    test_pages_follow_the_next_link_to_every_result_once,
    test_search_needs_a_key,
    test_the_last_word_matches_the_start_of_longer_words,
    test_undoing_an_edit_makes_the_old_word_findable_again,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


@pytest.fixture(autouse=True)
def on_postgresql() -> None:
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://… (bin/test does)"


def test_the_selectors_query_filters_on_the_indexed_stored_column(alice, jfk):  # noqa: F811
    with CaptureQueriesContext(connection) as queries:
        assert transcripts_search(alice.organization, "fellow americans").results

    with connection.cursor() as cursor:
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [PG_INDEX])
        (definition,) = cursor.fetchone()
        cursor.execute("EXPLAIN " + queries.captured_queries[-1]["sql"])
        plan = "\n".join(row[0] for row in cursor.fetchall())
    # "… USING gin (search_document)": the planner can use the index only when the query
    # filters on that column. (On a table this small it rightly prefers the
    # organization's rows; bench/search.py shows it at scale.)
    indexed = definition.split("USING gin (", 1)[1][:-1]
    assert indexed == PG_COLUMN, definition
    assert f"{PG_COLUMN} @@" in plan, plan
