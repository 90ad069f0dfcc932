"""Another organization's transcript, segment, speaker or revision is a 404 exactly like
a missing one, on every route of the editing API."""

from __future__ import annotations

import uuid

import pytest

from tests.transcripts.helpers import TranscriptClient, completed_job

ROUTES = [
    ("get", ""),
    ("patch", "segments/{segment}/"),
    ("post", "segments/{segment}/split/"),
    ("post", "segments/{segment}/merge/"),
    ("post", "speakers/"),
    ("patch", "speakers/{speaker}/"),
    ("post", "replace/"),
    ("post", "undo/"),
    ("post", "redo/"),
    ("get", "revisions/"),
    ("post", "revisions/1/restore/"),
]
BODY = {"version": 1, "text": "x", "word_index": 1, "name": "x", "find": "a", "replace": "b"}


@pytest.fixture
def alices(alice):
    job = completed_job(alice)
    transcript = TranscriptClient(alice, job).get()
    return job, transcript


@pytest.mark.parametrize(("method", "route"), ROUTES)
def test_another_organizations_transcript_is_a_404_like_a_missing_job(alices, bob, method, route):
    job, transcript = alices
    path = route.format(segment=transcript["segments"][0]["id"],
                        speaker=transcript["speakers"][0]["id"])  # fmt: skip
    foreign = getattr(bob.client(), method)(
        f"/api/v1/transcribe/{job.id}/transcript/{path}", BODY, format="json"
    )
    missing = getattr(bob.client(), method)(
        f"/api/v1/transcribe/{uuid.uuid4()}/transcript/{path}", BODY, format="json"
    )
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()


@pytest.mark.parametrize(
    ("method", "route"), [r for r in ROUTES if "{segment}" in r[1] or "{speaker}" in r[1]]
)
def test_a_segment_or_speaker_of_another_organizations_job_is_a_404_on_your_own_job(
    alice, bob, alices, method, route
):
    job, _ = alices
    bobs = TranscriptClient(bob, completed_job(bob)).get()
    path = route.format(segment=bobs["segments"][0]["id"], speaker=bobs["speakers"][0]["id"])
    response = getattr(alice.client(), method)(
        f"/api/v1/transcribe/{job.id}/transcript/{path}", BODY, format="json"
    )
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert TranscriptClient(alice, job).get()["version"] == 1


def test_a_malformed_segment_id_is_a_404_not_a_500(alices, alice):
    job, _ = alices
    response = alice.client().patch(
        f"/api/v1/transcribe/{job.id}/transcript/segments/not-a-uuid/",
        {"version": 1, "text": "x"},
        format="json",
    )
    assert response.status_code == 404
