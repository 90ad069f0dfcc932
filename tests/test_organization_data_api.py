"""Retention and the export over the API: everyone reads retention, owners set it and
export; a key acts with its creator's role; errors in the one shape."""

from __future__ import annotations

import io
import json
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from accounts.models import Role
from tests.support.organization_data import queued_job

pytestmark = pytest.mark.django_db


def key_for(persona, role: str) -> APIClient:
    out = StringIO()
    call_command(
        "create_api_key", f"{role}@example.org", "--org", persona.organization.name,
        "--role", role, stdout=out,
    )  # fmt: skip
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {out.getvalue().strip()}")
    return client


def test_an_owners_key_sets_retention_and_everyone_reads_it(alice):
    response = alice.client().put(
        "/api/v1/retention/", {"media_retention_days": 14, "delete_transcripts": True},
        format="json",
    )  # fmt: skip

    assert response.status_code == 200, response.content
    assert response.json() == {"media_retention_days": 14, "delete_transcripts": True}
    alice.organization.refresh_from_db()
    assert alice.organization.media_retention_days == 14
    member = key_for(alice, Role.MEMBER)
    assert member.get("/api/v1/retention/").json()["media_retention_days"] == 14
    cleared = alice.client().put(
        "/api/v1/retention/", {"media_retention_days": None}, format="json"
    )
    assert cleared.json() == {"media_retention_days": None, "delete_transcripts": False}


@pytest.mark.parametrize("role", [Role.ADMIN, Role.MEMBER])
def test_admin_and_member_keys_cannot_set_retention_or_export(alice, role):
    client = key_for(alice, role)

    put = client.put("/api/v1/retention/", {"media_retention_days": 1}, format="json")
    export = client.get("/api/v1/export/")

    for response in (put, export):
        assert response.status_code == 403
        assert response.json()["error"] == "forbidden"
        assert "Only owners of this organization" in response.json()["message"]
    alice.organization.refresh_from_db()
    assert alice.organization.media_retention_days is None


def test_a_bad_retention_value_is_a_400_with_a_sentence(alice):
    response = alice.client().put("/api/v1/retention/", {"media_retention_days": 0}, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "media_retention_days" in response.json()["message"]


def test_an_owners_key_downloads_the_export_of_its_own_organization_only(alice, bob):
    job = queued_job(alice)
    bobs = queued_job(bob)

    response = alice.client().get("/api/v1/export/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert [entry["id"] for entry in json.loads(archive.read("jobs.json"))] == [str(job.pk)]
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert str(bobs.pk).encode() not in everything
