"""Usage per day and per engine, from the ledger: the API, its CSV, the page; and the
GoTranscript order fields on the jobs list."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal
from unittest import mock

import pytest
from django.test import Client

from billing.models import Hold
from billing.services import charge_refund, hold_capture, hold_place
from jobs.models import TranscriptionJob
from jobs.services.worker import job_run
from tests.audio_fixtures import SHARED_AUDIO

pytestmark = pytest.mark.django_db


def charge_on(persona, day: str, *, engine: str, seconds: float, credits: str, ref: str):
    """A charged job on ``day`` (noon UTC), as the worker records it."""
    at = datetime.fromisoformat(f"{day}T12:00:00").replace(tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        hold_place(organization=persona.organization, amount=Decimal(credits), reference=ref)
        entry = hold_capture(reference=ref, amount=Decimal(credits), description="job",
                             seconds=seconds, product=engine)  # fmt: skip
    assert entry is not None
    return entry


@pytest.fixture
def history(alice, bob):
    charge_on(alice, "2026-03-01", engine="local", seconds=90, credits="1.5", ref="job:1")
    charge_on(alice, "2026-03-01", engine="openai", seconds=60, credits="3", ref="job:2")
    refunded = charge_on(alice, "2026-03-02", engine="local", seconds=30, credits="0.5",
                         ref="job:3")  # fmt: skip
    charge_on(alice, "2026-03-05", engine="local", seconds=600, credits="10", ref="job:4")
    charge_on(bob, "2026-03-01", engine="local", seconds=6000, credits="50", ref="job:bob")
    at = datetime(2026, 3, 2, 15, tzinfo=UTC)
    with mock.patch("django.utils.timezone.now", return_value=at):
        charge_refund(charge_id=refunded.pk, amount=Decimal("0.2"), reason="noise", actor=None)


def test_usage_api_gives_minutes_and_credits_per_day_and_engine(alice, history):
    response = alice.client().get("/api/v1/usage/?from=2026-03-01&to=2026-03-04")

    assert response.status_code == 200
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-03-01", "2026-03-04")
    assert body["total"] == {"jobs": 3, "minutes": 3.0, "credits": 4.8}
    assert body["engines"] == [
        {"engine": "local", "jobs": 2, "minutes": 2.0, "credits": 1.8},
        {"engine": "openai", "jobs": 1, "minutes": 1.0, "credits": 3.0},
    ]
    assert body["days"] == [
        {"date": "2026-03-01", "jobs": 2, "minutes": 2.5, "credits": 4.5,
         "engines": {"local": {"jobs": 1, "minutes": 1.5, "credits": 1.5},
                     "openai": {"jobs": 1, "minutes": 1.0, "credits": 3.0}}},
        {"date": "2026-03-02", "jobs": 1, "minutes": 0.5, "credits": 0.3,
         "engines": {"local": {"jobs": 1, "minutes": 0.5, "credits": 0.3}}},
    ]  # fmt: skip


def test_usage_csv_has_a_row_per_day_and_engine(alice, history):
    response = alice.client().get("/api/v1/usage/?from=2026-03-01&to=2026-03-31&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="usage-2026-03-01-2026-03-31.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["date", "engine", "jobs", "minutes", "credits"],
        ["2026-03-01", "local", "1", "1.50", "1.50"],
        ["2026-03-01", "openai", "1", "1.00", "3.00"],
        ["2026-03-02", "local", "1", "0.50", "0.30"],
        ["2026-03-05", "local", "1", "10.00", "10.00"],
    ]


@pytest.mark.parametrize(
    ("query", "needle"),
    [("from=yesterday", "'from' must be a date"), ("from=2026-03-05&to=2026-03-01", "after"),
     ("from=2024-01-01&to=2026-01-01", "at most 366")],
)  # fmt: skip
def test_bad_periods_are_a_400_with_a_sentence(alice, query, needle):
    response = alice.client().get(f"/api/v1/usage/?{query}")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert needle in response.json()["message"]


def test_the_usage_page_and_its_export_show_only_the_organizations_own_usage(
    alice, bob, charlie, history
):
    client = Client()
    client.force_login(charlie)
    page = client.get("/usage/?from=2026-03-01&to=2026-03-31").content.decode()
    assert 'data-role="jobs">1<' in page
    assert 'data-role="credits">50 ' in page
    assert "openai" not in page
    export = client.get("/usage/export.csv?from=2026-03-01&to=2026-03-31").content.decode()
    assert export.splitlines() == ["date,engine,jobs,minutes,credits",
                                   "2026-03-01,local,1,100.00,50.00"]  # fmt: skip
    assert 'href="/usage/export.csv?from=2026-03-01&amp;to=2026-03-31"' in page


def test_the_jobs_list_carries_gotranscripts_order_fields(alice):
    with (SHARED_AUDIO / "jfk.flac").open("rb") as handle:
        job_id = alice.client().post("/api/v1/transcribe/", {"file": handle},
                                     format="multipart").json()["id"]  # fmt: skip
    queued = alice.client().get("/api/v1/transcribe/").json()["results"][0]
    assert (queued["price"], queued["paid_at"], queued["finished_at"], queued["seconds"]) == (
        0.19, None, None, 11)  # fmt: skip

    job_run(job_id)

    done = alice.client().get("/api/v1/transcribe/").json()["results"][0]
    job = TranscriptionJob.objects.get()
    hold = Hold.objects.get(reference=job.billing_reference)
    assert done["price"] == float(job.credits_used) == 0.19
    assert hold.settled_at is not None
    assert done["paid_at"] == hold.settled_at.isoformat().replace("+00:00", "Z")
    assert done["finished_at"] is not None
    assert done["seconds"] == 11
    # The keys that were there before are still there.
    assert {"id", "job_id", "status", "credits_used", "estimated_credits"} <= set(done)
    usage = alice.client().get("/api/v1/usage/").json()
    assert usage["engines"] == [{"engine": "whisper", "jobs": 1, "minutes": 0.18, "credits": 0.19}]
