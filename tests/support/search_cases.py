"""Search behaviour that must hold on SQLite (FTS5) and on PostgreSQL alike:
``tests/transcripts/test_search.py`` and ``test_search_postgres.py`` both collect these.

Transcripts are Whisper's real ones of ../shared/audio recordings (jfk.flac for alice,
a LibriVox reading for bob), changed only through the editing API, as people change them.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.db import connection

from jobs.transcripts.models import Segment, Transcript, TranscriptKind
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import Persona
from tests.transcripts.helpers import TranscriptClient, completed_job

LIBRIVOX = SHARED_AUDIO / "librivox_ss01_0870.wav"  # "…mister john dashwood had then…"
HOSTILE = [
    '"', '""', '"unclosed phrase', "*", "ask*", "NEAR(", "NEAR(ask not, 2)", "AND(", "ask AND",
    "OR", "NOT ask", "text:ask", "^ask", "-ask", "(", ")", "{ask}", "'", "\\", "%", "_",
    "ask' OR '1'='1", "<script>alert(1)</script>", "&lt;", "::", "ask:*", "!ask", "ask <-> not",
    "a\x00b", "\u200b", "🙂",
]  # fmt: skip


def search(persona: Persona, q: str, **params: Any) -> dict[str, Any]:
    response = persona.client().get("/api/v1/search/", {"q": q, **params})
    assert response.status_code == 200, (q, response.content)
    body: dict[str, Any] = response.json()
    assert set(body) == {"next", "previous", "results"}
    return body


def words_of(transcript: dict[str, Any], word: str) -> dict[str, Any]:
    for segment in transcript["segments"]:
        if word in segment["text"].lower():
            found: dict[str, Any] = segment
            return found
    raise AssertionError(f"no segment says {word!r}")


@pytest.fixture
def jfk(alice):
    return completed_job(alice)


def split_in_two(editor: TranscriptClient) -> dict[str, Any]:
    """Whisper hears jfk.flac as one segment; two (split through the API) can be ranked."""
    before = editor.get()
    segment = before["segments"][0]
    middle = len(segment["words"]) // 2
    editor.ok("post", f"segments/{segment['id']}/split/", version=before["version"],
              word_index=middle)  # fmt: skip
    after = editor.get()
    assert len(after["segments"]) >= 2
    return after


def test_an_edit_made_through_the_api_is_found_at_once_and_the_old_word_is_not(alice, jfk):
    editor = TranscriptClient(alice, jfk)
    before = editor.get()
    segment = words_of(before, "americans")
    assert [hit["segment_id"] for hit in search(alice, "americans")["results"]] == [segment["id"]]

    text = segment["text"].replace("Americans", "citizens of the world")
    editor.edit_text(segment["id"], text, before["version"])

    found = search(alice, "citizens")["results"]
    assert len(found) == 1
    hit = found[0]
    assert hit["segment_id"] == segment["id"]
    assert hit["job_id"] == str(jfk.id)
    assert hit["filename"] == "jfk.flac"
    assert hit["start"] == pytest.approx(segment["start"], abs=0.001)
    assert "<mark>citizens</mark>" in hit["snippet_html"]
    assert "citizens" in hit["snippet"]
    assert "<mark>" not in hit["snippet"]
    assert search(alice, "americans")["results"] == []
    # The engine's original still says it: only the current transcript is searched.
    original = Transcript.objects.get(job=jfk, kind=TranscriptKind.ORIGINAL)
    assert Segment.objects.filter(transcript=original, text__icontains="americans").exists()


def test_undoing_an_edit_makes_the_old_word_findable_again(alice, jfk):
    editor = TranscriptClient(alice, jfk)
    before = editor.get()
    segment = words_of(before, "americans")
    editor.edit_text(segment["id"], "My fellow Martians,", before["version"])
    assert len(search(alice, "martians")["results"]) == 1

    editor.ok("post", "undo/", version=before["version"] + 1)

    assert search(alice, "martians")["results"] == []
    assert [h["segment_id"] for h in search(alice, "americans")["results"]] == [segment["id"]]


def test_an_edited_transcripts_original_is_never_returned_as_well(alice, jfk):
    editor = TranscriptClient(alice, jfk)
    before = editor.get()
    segment = words_of(before, "americans")
    editor.edit_text(segment["id"], segment["text"] + " Indeed.", before["version"])
    current = {s["id"] for s in editor.get()["segments"]}

    for q in ("ask", "fellow americans", "indeed"):
        ids = [hit["segment_id"] for hit in search(alice, q)["results"]]

        # The copy keeps the original's segment ids, so a second hit would repeat one.
        assert ids, q
        assert len(ids) == len(set(ids)), q
        assert set(ids) <= current
    assert Transcript.objects.filter(job=jfk).count() == 2


def test_a_segment_saying_the_word_three_times_ranks_above_one_saying_it_once(alice, jfk):
    editor = TranscriptClient(alice, jfk)
    before = split_in_two(editor)
    first, last = before["segments"][0], before["segments"][-1]
    # The same length, so only how often the word is said tells them apart; the weaker one
    # comes first in the recording, so time order would give the wrong answer.
    made = editor.edit_text(first["id"], "Lunar rockets fly over the sea.", before["version"])
    editor.edit_text(last["id"], "Lunar rockets, lunar dust, lunar.", made["version"])

    hits = search(alice, "lunar")["results"]

    assert [hit["segment_id"] for hit in hits] == [last["id"], first["id"]]
    assert hits[0]["snippet_html"].count("<mark>") == 3


def test_every_word_must_be_said_and_a_quoted_phrase_in_order(alice, jfk):
    segment = words_of(TranscriptClient(alice, jfk).get(), "americans")

    assert [h["segment_id"] for h in search(alice, "fellow americans")["results"]] == [
        segment["id"]
    ]
    assert search(alice, "fellow zanzibar")["results"] == []
    assert len(search(alice, '"fellow americans"')["results"]) == 1
    assert search(alice, '"americans fellow"')["results"] == []


def test_the_last_word_matches_the_start_of_longer_words(alice, jfk):
    hits = search(alice, "americ")["results"]

    assert len(hits) == 1
    assert "<mark>Americans</mark>" in hits[0]["snippet_html"]


def test_bob_never_finds_what_only_alices_transcript_says(alice, bob, jfk):
    own = completed_job(bob, LIBRIVOX)

    assert search(bob, "americans")["results"] == []
    assert search(bob, "fellow americans ask")["results"] == []
    assert search(alice, "dashwood")["results"] == []
    bobs = search(bob, "dashwood")["results"]
    assert [hit["job_id"] for hit in bobs] == [str(own.id)]


def test_hostile_queries_are_answered_and_never_an_error(alice, jfk):
    for q in HOSTILE:
        body = search(alice, q)
        for hit in body["results"]:
            assert "<script" not in hit["snippet_html"]
    # Syntax is searched for as words: "NEAR(ask" finds segments that say near and ask.
    assert search(alice, "ask*")["results"] == search(alice, "ask")["results"]


def test_markup_typed_into_a_segment_comes_back_escaped(alice, jfk):
    editor = TranscriptClient(alice, jfk)
    before = editor.get()
    segment = before["segments"][0]
    typed = 'Ask <script>alert("x")</script> & <b>bold</b> not'
    editor.edit_text(segment["id"], typed, before["version"])

    # Not "script": PostgreSQL's parser reads <script> as a tag and does not index it.
    hit = search(alice, "ask bold")["results"][0]

    assert hit["snippet"] == typed
    assert "<script>" not in hit["snippet_html"]
    assert "<b>" not in hit["snippet_html"]
    assert hit["snippet_html"] == (
        "<mark>Ask</mark> &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; "
        "&lt;b&gt;<mark>bold</mark>&lt;/b&gt; not"
    )


def test_pages_follow_the_next_link_to_every_result_once(alice, jfk):
    editor = TranscriptClient(alice, jfk)
    before = split_in_two(editor)
    # Three segments saying "ask" once each tie on rank: the cursor must still not skip.
    made = editor.edit_text(before["segments"][0]["id"], "Ask.", before["version"])
    made = editor.edit_text(before["segments"][1]["id"], "Ask.", made["version"])
    editor.edit_text(before["segments"][1]["id"], "Ask,", made["version"])
    everything = search(alice, "ask", limit=100)["results"]
    assert len(everything) >= 2
    client = alice.client()
    seen, url = [], "/api/v1/search/?q=ask&limit=1"
    while url:
        body = client.get(url).json()
        assert body["previous"] is None
        seen += body["results"]
        url = body["next"]
    assert seen == everything


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"q": ""}, "empty"),
        ({"q": "   "}, "empty"),
        ({}, "empty"),
        ({"q": "x" * 201}, "at most 200"),
        ({"q": "ask", "limit": "0"}, "'limit'"),
        ({"q": "ask", "limit": "101"}, "'limit'"),
        ({"q": "ask", "limit": "ten"}, "'limit'"),
        ({"q": "ask", "cursor": "not a cursor"}, "cursor"),
        ({"q": "ask", "cursor": base64.urlsafe_b64encode(b'{"a": 1}').decode()}, "cursor"),
        ({"q": "ask", "cursor": base64.urlsafe_b64encode(b"[1, 99999999999999999999]").decode()},
         "cursor"),
    ],
)  # fmt: skip
def test_bad_parameters_are_a_400_that_says_what_to_fix(alice, params, message):
    response = alice.client().get("/api/v1/search/", params)

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert message in response.json()["message"]


def test_search_needs_a_key(db, client):
    response = client.get("/api/v1/search/", {"q": "ask"})

    assert response.status_code == 401
    assert response.json()["error"] == "authentication_failed"


def test_case_is_ignored_and_accents_are_where_the_database_can(alice, jfk):
    editor = TranscriptClient(alice, jfk)
    before = editor.get()
    segment = before["segments"][0]
    editor.edit_text(segment["id"], "Meet me at the Café Müller.", before["version"])

    if connection.vendor == "postgresql":
        # PostgreSQL's 'simple' configuration keeps accents (unaccent needs a superuser
        # to install; see schema.py and the README): case alone is ignored.
        assert search(alice, "cafe muller")["results"] == []
        hit = search(alice, "CAFÉ müller")["results"][0]
    else:
        hit = search(alice, "CAFE muller")["results"][0]

    assert hit["segment_id"] == segment["id"]
    assert hit["snippet_html"] == "Meet me at the <mark>Café</mark> <mark>Müller</mark>."
