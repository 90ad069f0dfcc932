"""Hostile or broken requests get a 4xx with a sentence in the documented shape, never a
500; a damaged file is refused, or priced for the audio that decodes."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from billing.models import Hold
from billing.selectors import available_credits
from jobs.models import TranscriptionJob

pytestmark = pytest.mark.django_db

AUDIO = Path(__file__).resolve().parents[2] / "shared" / "audio"
JFK = AUDIO / "jfk.flac"


def _shape(response) -> dict[str, str]:
    body: dict[str, str] = response.json()
    assert set(body) == {"error", "message"}
    assert body["message"].endswith(".")
    return body


@pytest.mark.parametrize("route", ["/api/v1/webhooks/", "/api/v1/transcribe/url/"])
def test_a_6_mb_json_body_is_a_413(alice, route):
    body = json.dumps({"url": "https://93.184.216.34/a.mp3", "pad": "x" * (6 * 1024 * 1024)})
    response = alice.client().post(route, body, content_type="application/json")
    assert response.status_code == 413
    assert _shape(response)["error"] == "file_too_large"
    assert not TranscriptionJob.objects.exists()


@pytest.mark.parametrize("route", ["/api/v1/webhooks/", "/api/v1/transcribe/url/"])
def test_a_100000_deep_json_array_is_a_400(alice, route):
    deep = "[" * 100_000 + "]" * 100_000
    response = alice.client().post(route, deep, content_type="application/json")
    assert response.status_code == 400
    body = _shape(response)
    assert body["error"] == "invalid_request"
    assert "nested" in body["message"]


def test_an_api_form_with_1500_fields_is_a_400(alice):
    fields = {f"f{i}": "x" for i in range(1500)}
    with JFK.open("rb") as audio:
        response = alice.client().post(
            "/api/v1/transcribe/", {"file": audio, **fields}, format="multipart"
        )
    assert response.status_code == 400
    assert "more than 1000 fields" in _shape(response)["message"]
    assert not TranscriptionJob.objects.exists()


def test_a_page_form_with_1500_fields_is_our_400_page_with_a_sentence(alice, client):
    client.force_login(alice.user)
    response = client.post("/settings/members/", {f"f{i}": "x" for i in range(1500)})
    assert response.status_code == 400
    assert "more than 1000 fields" in response.content.decode()


def test_two_files_in_one_request_are_a_400(alice):
    with JFK.open("rb") as first, JFK.open("rb") as second:
        response = alice.client().post(
            "/api/v1/transcribe/", {"file": [first, second]}, format="multipart"
        )
    assert response.status_code == 400
    assert _shape(response)["message"] == "Send one file per request in the 'file' field."
    assert not TranscriptionJob.objects.exists()
    assert not Hold.objects.exists()


def test_a_damaged_file_that_decodes_to_nothing_is_refused_and_costs_nothing(
    alice, tmp_path, isolated_media
):
    damaged = tmp_path / "damaged.flac"
    damaged.write_bytes(JFK.read_bytes()[:10_240])  # its header still says 11 s
    with damaged.open("rb") as audio:
        response = alice.client().post("/api/v1/transcribe/", {"file": audio}, format="multipart")
    assert response.status_code == 415
    assert "damaged or truncated" in _shape(response)["message"]
    assert not TranscriptionJob.objects.exists()
    assert available_credits(alice.organization) == Decimal("60")
    assert [p for p in isolated_media.rglob("*") if p.is_file()] == []


def test_a_truncated_file_is_priced_for_the_audio_that_decodes(alice, tmp_path):
    truncated = tmp_path / "truncated.flac"
    truncated.write_bytes(JFK.read_bytes()[:102_400])  # under a second of the 11 s
    with truncated.open("rb") as audio:
        response = alice.client().post("/api/v1/transcribe/", {"file": audio}, format="multipart")
    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get()
    assert 0.5 < job.duration_seconds < 1.0
    hold = Hold.objects.get(reference=job.billing_reference)
    assert hold.amount == Decimal("0.02")  # 1 credit a minute, rounded up to 0.01
