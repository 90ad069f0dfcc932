"""A completed job's status poll is cheap: it reads no words, and a repeated poll no
segments at all, yet it answers what the full result answers and shows every edit."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs.services.organize import tag_create
from tests.transcripts.helpers import TranscriptClient, completed_job


@pytest.fixture
def jfk(alice):
    return completed_job(alice)


def _poll(alice, job, query: str = "") -> tuple[dict[str, Any], list[str]]:
    client = alice.client()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/api/v1/transcribe/{job.id}/{query}")
    assert response.status_code == 200, response.content
    return response.json(), [q["sql"] for q in queries.captured_queries]


def test_a_status_poll_answers_what_the_full_result_does_without_its_segments(alice, jfk):
    full, _ = _poll(alice, jfk, "?segments=true")
    poll, first_queries = _poll(alice, jfk)
    again, again_queries = _poll(alice, jfk)

    assert "segments" in full
    assert poll == {key: value for key, value in full.items() if key != "segments"}
    assert again == poll
    assert "country" in poll["transcript"].lower()
    # A poll never reads the words; once the transcript has been read for one (here
    # already when the job completed), polls read no segments at all.
    assert not any('"jobs_segment"."words"' in sql for sql in first_queries)
    assert not any('FROM "jobs_segment"' in sql for sql in again_queries)


def test_a_status_poll_shows_an_edit_made_since_the_last_poll(alice, jfk):
    editor = TranscriptClient(alice, jfk)
    before, _ = _poll(alice, jfk)
    transcript = editor.get()
    segment = transcript["segments"][0]

    answer = editor.call(
        "patch",
        f"segments/{segment['id']}/",
        text="Ask not what your country can do.",
        version=transcript["version"],
    )
    assert answer.status_code == 200, answer.content
    after, _ = _poll(alice, jfk)

    assert after["version"] == before["version"] + 1
    assert after["edited"] is True
    assert after["transcript"].startswith("Ask not what your country can do.")
    assert after["transcript"] != before["transcript"]
    renamed = editor.call(
        "patch",
        f"speakers/{before['speakers'][0]['id']}/",
        name="President Kennedy",
        version=after["version"],
    )
    assert renamed.status_code == 200, renamed.content
    named, _ = _poll(alice, jfk)
    assert named["speakers"][0]["name"] == "President Kennedy"


def test_a_repeated_poll_reads_the_key_and_the_job_in_one_query_each(alice, jfk):
    for name in ("interviews", "Board"):
        tag, _ = tag_create(organization=alice.organization, name=name, actor=alice.user)
        jfk.tags.add(tag)
    _poll(alice, jfk)
    body, queries = _poll(alice, jfk)

    # Its name and tags come with the job's row.
    assert (body["name"], body["tags"]) == ("jfk.flac", ["Board", "interviews"])

    # The job's own query brings the current transcript's stamp, and the kept view
    # answers for it: no transcript query, no throttle write in the database.
    assert len(queries) == 2, queries
    assert 'FROM "accounts_apikey"' in queries[0]
    assert 'FROM "jobs_transcriptionjob"' in queries[1]
