"""Search across an organization's transcripts, on the embedded SQLite (FTS5): the shared
behaviour in ``tests.support.search_cases``, and what only SQLite has — triggers that
must survive Django rebuilding the segment table."""

from __future__ import annotations

from django.db import connection

from jobs.transcripts.search.schema import sqlite_ensure
from tests.support.search_cases import (  # noqa: F401 - collected here
    jfk,
    search,
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
from tests.transcripts.helpers import TranscriptClient


def test_lost_triggers_are_put_back_and_the_index_rebuilt_after_migrate(alice, jfk):  # noqa: F811
    assert connection.vendor == "sqlite"
    assert sqlite_ensure(connection) is False  # the migration installed everything
    # What Django's SQLite schema editor does to alter a table: the triggers go with it.
    with connection.cursor() as cursor:
        for suffix in ("ai", "ad", "au"):
            cursor.execute(f"DROP TRIGGER jobs_segment_search_{suffix}")
    editor = TranscriptClient(alice, jfk)
    before = editor.get()
    segment = before["segments"][0]
    editor.edit_text(segment["id"], "Nobody indexed this sentence.", before["version"])
    assert search(alice, "nobody")["results"] == []

    assert sqlite_ensure(connection) is True

    assert [h["segment_id"] for h in search(alice, "nobody")["results"]] == [segment["id"]]
    editor.edit_text(segment["id"], "Indexed again.", before["version"] + 1)
    assert search(alice, "nobody")["results"] == []
