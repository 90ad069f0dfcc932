"""Saves racing on one transcript, on PostgreSQL (SQLite serializes writers, so it
cannot show this): of many saves made on the same version exactly one lands, the rest
are 409s, and nothing is lost or half-written."""

from __future__ import annotations

import pytest
from django.db import connection

from jobs.transcripts.models import Revision, Transcript, TranscriptKind
from tests.money_helpers import race
from tests.transcripts.helpers import TranscriptClient, completed_job

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def on_postgresql() -> None:
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://… (bin/test does)"


def test_of_ten_saves_on_one_version_exactly_one_lands_and_nine_are_refused(alice):
    job = completed_job(alice)
    start = TranscriptClient(alice, job).get()
    segment = start["segments"][0]

    def save(i: int):
        return TranscriptClient(alice, job).call(
            "patch", f"segments/{segment['id']}/", version=start["version"], text=f"Edit {i}."
        )

    responses = race(10, save)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [409] * 9
    winner = next(r.json() for r in responses if r.status_code == 200)
    after = TranscriptClient(alice, job).get()
    assert after["version"] == start["version"] + 1
    assert after["segments"][0]["text"] == winner["segment"]["text"]
    # One edited copy, one revision: the first edit's copy was not made twice.
    assert Transcript.objects.filter(job=job, kind=TranscriptKind.EDITED).count() == 1
    assert Revision.objects.filter(transcript__job=job).count() == 1


def test_saves_on_successive_versions_from_two_tabs_never_overwrite_each_other(alice):
    job = completed_job(alice)
    tab = TranscriptClient(alice, job)
    start = tab.get()
    first, last = start["segments"][0], start["segments"][-1]
    made = tab.edit_text(first["id"], "First tab.", start["version"])
    stale = tab.call("patch", f"segments/{last['id']}/", version=start["version"],
                     text="Second tab.")  # fmt: skip
    assert stale.status_code == 409
    assert tab.get()["segments"][0]["text"] == "First tab."
    assert tab.get()["version"] == made["version"]
