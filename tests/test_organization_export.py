"""Export everything: an owner downloads a zip of every job, transcript, translation, the
ledger and the webhook settings (never a secret), streamed as it is written; another
organization's data is never in it; admins and members are refused."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jobs.translation.services.intake import translation_create
from jobs.translation.services.worker import translation_run
from tests.support.organization_data import (
    RECEIVER,
    ROLES_REFUSED,
    browser,
    finished_job,
    member,
    queued_job,
)
from webhooks.services import endpoint_create, organization_secret

pytestmark = pytest.mark.django_db

EXPORT = "/settings/data/export.zip"


def streamed(response: Any) -> Iterator[bytes]:
    return iter(response.streaming_content)


def download(client) -> zipfile.ZipFile:
    response = client.get(EXPORT)
    assert response.status_code == 200, response.content[:500]
    return zipfile.ZipFile(io.BytesIO(b"".join(streamed(response))))


def test_an_owner_exports_jobs_transcripts_translations_ledger_and_webhooks(alice, bob):
    done = finished_job(alice)
    running = queued_job(alice)
    translation = translation_create(
        organization=alice.organization, job_id=done.pk, to_language="es", model="apertium"
    )
    translation_run(str(translation.pk))
    endpoint, endpoint_secret = endpoint_create(
        organization=alice.organization, url=RECEIVER, description="CRM", actor=None
    )
    signing = organization_secret(alice.organization).secret
    bobs = finished_job(bob)
    endpoint_create(organization=bob.organization, url=f"{RECEIVER}/bob", actor=None)

    response = browser(alice.user).get(EXPORT)
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="hark-export-')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(streamed(response))))

    names = set(archive.namelist())
    assert names == {
        "README.txt", "jobs.json", "translations.json", "ledger.csv", "webhooks.json",
        f"transcripts/{done.pk}.json", f"transcripts/{done.pk}.txt",
        f"translations/{translation.pk}.json", f"translations/{translation.pk}.txt",
    }  # fmt: skip
    jobs = json.loads(archive.read("jobs.json"))
    assert [job["id"] for job in jobs] == [str(done.pk), str(running.pk)]
    assert jobs[0]["status"] == "completed"
    assert "country" in jobs[0]["transcript"]
    assert jobs[1]["status"] == "queued"
    transcript = json.loads(archive.read(f"transcripts/{done.pk}.json"))
    assert any("country" in segment["text"] for segment in transcript["segments"])
    assert "country" in archive.read(f"transcripts/{done.pk}.txt").decode()
    translations = json.loads(archive.read("translations.json"))
    assert [t["id"] for t in translations] == [str(translation.pk)]
    assert archive.read(f"translations/{translation.pk}.txt").decode().strip()
    ledger = list(csv.DictReader(io.StringIO(archive.read("ledger.csv").decode())))
    assert [row["kind"] for row in ledger] == ["grant", "charge", "charge"]
    assert ledger[0]["amount"] == "60.00"
    webhooks = json.loads(archive.read("webhooks.json"))
    assert webhooks["endpoints"][0]["url"] == RECEIVER
    assert webhooks["endpoints"][0]["description"] == "CRM"
    # No secret and nothing of Bob's anywhere in the archive.
    everything = b"".join(archive.read(name) for name in names)
    for secret in (endpoint_secret, endpoint.secret, signing):
        assert secret.encode() not in everything
    assert str(bobs.pk).encode() not in everything
    assert b"/bob" not in everything


def test_the_export_streams_before_reading_any_transcript(alice):
    finished_job(alice)
    response = browser(alice.user).get(EXPORT)
    assert response.streaming
    assert not response.has_header("Content-Length")
    pieces = streamed(response)

    with CaptureQueriesContext(connection) as queries:
        first = next(pieces)
    rest = b"".join(pieces)

    assert first.startswith(b"PK")
    assert not any("jobs_segment" in query["sql"] for query in queries.captured_queries)
    assert zipfile.ZipFile(io.BytesIO(first + rest)).testzip() is None


def test_an_organization_with_nothing_exports_empty_lists(alice):
    archive = download(browser(alice.user))

    assert json.loads(archive.read("jobs.json")) == []
    assert json.loads(archive.read("translations.json")) == []
    assert json.loads(archive.read("webhooks.json")) == {"endpoints": []}
    assert "Alice Org" in archive.read("README.txt").decode()


@pytest.mark.parametrize("role", ROLES_REFUSED)
def test_admins_and_members_cannot_export(alice, role):
    finished_job(alice)
    client = browser(member(alice, role))

    response = client.get(EXPORT)
    page = client.get("/settings/data/").content.decode()

    assert response.status_code == 403
    assert "Only owners of this organization" in response.content.decode()
    assert EXPORT not in page
