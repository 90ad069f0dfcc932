"""Tenancy on every route and method, and the one error shape for DRF's own errors."""

from __future__ import annotations

import json
import uuid

import pytest
from django.core.cache import cache

from jobs.engines.base import Segment
from jobs.models import JobStatus, TranscriptionJob
from jobs.transcripts.services.storing import transcript_store_original
from tests.test_api_transcribe import upload

pytestmark = pytest.mark.django_db

# Every route that takes a job id, with each method it answers.
JOB_ROUTES = [
    ("get", "/api/v1/transcribe/{id}/"),
    ("get", "/api/v1/transcribe/{id}/?segments=true"),
    ("get", "/api/v1/transcribe/{id}/?format=srt"),
    ("get", "/api/v1/transcribe/{id}/?format=txt"),
    ("delete", "/api/v1/transcribe/{id}/"),
    ("post", "/api/v1/transcribe/{id}/cancel/"),
]


@pytest.fixture
def alices_job(alice) -> TranscriptionJob:
    job = TranscriptionJob.objects.get(pk=upload(alice).json()["id"])
    # Completed, so export routes would have something to leak.
    TranscriptionJob.objects.filter(pk=job.pk).update(status=JobStatus.COMPLETED)
    transcript_store_original(
        job, [Segment(0.0, 1.0, "secret words", 0.9, speaker="A")], language="en"
    )
    return job


@pytest.mark.parametrize(("method", "route"), JOB_ROUTES)
def test_another_organizations_job_is_a_404_identical_to_a_missing_one(
    alices_job, bob, method, route
):
    foreign = getattr(bob.client(), method)(route.format(id=alices_job.id))
    missing = getattr(bob.client(), method)(route.format(id=uuid.uuid4()))
    assert foreign.status_code == missing.status_code == 404
    assert foreign.json() == missing.json()
    assert b"secret words" not in foreign.content
    job = TranscriptionJob.objects.get(pk=alices_job.pk)
    assert job.status == JobStatus.COMPLETED


@pytest.mark.parametrize(("method", "route"), JOB_ROUTES)
def test_a_member_of_another_organization_cannot_reach_the_job_with_a_session(
    alices_job, charlie, client, method, route
):
    client.force_login(charlie)
    response = getattr(client, method)(route.format(id=alices_job.id))
    assert response.status_code == 404
    assert TranscriptionJob.objects.filter(pk=alices_job.pk).exists()


def test_the_list_never_shows_another_organizations_jobs(alices_job, bob):
    assert bob.client().get("/api/v1/transcribe/").json()["results"] == []


def test_missing_credentials_are_401_in_the_error_shape(client):
    response = client.get("/api/v1/transcribe/")
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_failed"
    assert "Authorization: Bearer" in response.json()["message"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_wrong_key_is_401(db, client):
    response = client.get("/api/v1/account/", HTTP_AUTHORIZATION="Bearer hark_nope")
    assert response.status_code == 401
    assert response.json() == {
        "error": "authentication_failed",
        "message": "This API key is not valid or was revoked.",
    }


def test_an_unsupported_method_is_405_in_the_error_shape(alice):
    response = alice.client().put("/api/v1/transcribe/", {})
    assert response.status_code == 405
    assert response.json() == {
        "error": "method_not_allowed",
        "message": 'Method "PUT" not allowed.',
    }


def test_an_unknown_api_path_is_a_json_404(alice):
    response = alice.client().get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_json_body_on_the_upload_endpoint_is_415(alice):
    response = alice.client().post("/api/v1/transcribe/", {"url": "x"}, format="json")
    assert response.status_code == 415
    assert response.json()["error"] == "unsupported_media"


def test_throttling_answers_429_with_retry_after(alice, settings):
    settings.HARK_API_RATE = "2/min"
    cache.clear()
    client = alice.client()
    codes = [client.get("/api/v1/account/").status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    response = client.get("/api/v1/account/")
    assert response.json()["error"] == "rate_limit_exceeded"
    assert int(response["Retry-After"]) >= 1
    cache.clear()


def test_languages_and_models_come_from_the_engine_registry(alice):
    languages = alice.client().get("/api/v1/languages/").json()["languages"]
    assert {"code": "en", "name": "English", "engines": ["whisper", "local"]} in languages
    assert languages[0] == {"code": "", "name": "Auto-detect", "engines": ["whisper"]}
    models = alice.client().get("/api/v1/models/").json()["models"]
    assert [m["id"] for m in models] == ["whisper", "local"]


def test_account_shows_available_credits_net_of_holds(alice):
    upload(alice)
    body = alice.client().get("/api/v1/account/").json()
    assert body["balance"] == 60.0
    assert body["held"] == 0.19
    assert body["in_wallet"] == pytest.approx(59.81)


def test_the_openapi_schema_and_docs_are_served_without_a_cdn(alice, client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = json.loads(schema.content)["paths"]
    assert "/api/v1/transcribe/" in paths
    assert "/api/v1/transcribe/{job_id}/cancel/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    assert "jsdelivr" not in html


def test_the_schema_documents_translation_speaker_counts_and_model_ids(client):
    schema = json.loads(
        client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").content
    )
    upload = schema["paths"]["/api/v1/transcribe/"]["post"]["requestBody"]["content"]
    form = upload["multipart/form-data"]
    fields = schema["components"]["schemas"][form["schema"]["$ref"].rsplit("/", 1)[1]]
    for name in ("task", "translate_to", "prompt", "number_of_speakers", "max_speakers"):
        assert name in fields["properties"]
    assert "whisper-large-v3" in fields["properties"]["model"]["description"]
    example = form["examples"]["TranslateGermanSpeechIntoEnglish"]["value"]
    assert (example["task"], example["language"]) == ("translate", "de")
    by_url = schema["paths"]["/api/v1/transcribe/url/"]["post"]["requestBody"]["content"]
    assert "translate" in json.dumps(by_url["application/json"]["examples"])
    assert "/v1/audio/translations" in schema["paths"]
