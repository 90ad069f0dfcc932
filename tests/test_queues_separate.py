"""Webhook deliveries have a queue and a cluster of their own: with the transcription
worker busy on a long recording's chunks, a delivery is still attempted within seconds."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django_q.models import OrmQ

from billing.services import credits_grant
from jobs.models import ChunkStatus, JobStatus, TranscriptionChunk, TranscriptionJob
from lib.queue import DELIVERIES_CLUSTER
from tests.audio_fixtures import concatenated_speech
from tests.conftest import wait_for
from tests.test_api_transcribe import upload
from tests.webhook_receiver import receiving
from webhooks.models import Delivery, DeliveryStatus

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

WORKER_ENV = {
    "HARK_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
    "HARK_WEBHOOK_RETRY_SCHEDULE": "1",
    "HARK_WEBHOOK_TIMEOUT_SECONDS": "5",
}


@pytest.fixture(autouse=True)
def loopback(settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]


def chunks_waiting(job_id: str) -> int:
    return TranscriptionChunk.objects.filter(job__pk=job_id, status=ChunkStatus.QUEUED).count()


def test_a_delivery_is_attempted_within_seconds_while_chunks_fill_the_worker(
    alice, start_worker, tmp_path
):
    credits_grant(organization=alice.organization, amount=Decimal("100"), reason="long test")
    speech = concatenated_speech(300, tmp_path / "five-minutes.wav")
    start_worker(HARK_WORKERS="1", **WORKER_ENV)
    long_id = upload(alice, speech, model="local").json()["id"]
    # The one transcription worker is on a chunk, with more chunks queued behind it.
    wait_for(lambda: chunks_waiting(long_id) >= 3, timeout=120)

    with receiving() as receiver:
        job_id = upload(alice, webhook_url=receiver.url()).json()["id"]
        canceled_at = time.monotonic()
        alice.client().post(f"/api/v1/transcribe/{job_id}/cancel/")
        wait_for(lambda: receiver.requests, timeout=15, interval=0.05)
        waited = time.monotonic() - canceled_at

    assert waited < 10
    # ...while the long job's chunks were still waiting for the transcription worker.
    assert TranscriptionJob.objects.get(pk=long_id).status == JobStatus.PROCESSING
    assert chunks_waiting(long_id) >= 1
    delivery = Delivery.objects.get()
    assert delivery.event_type == "job.canceled"
    wait_for(lambda: Delivery.objects.get().status == DeliveryStatus.SUCCEEDED, timeout=10)


def test_deliveries_are_queued_for_the_deliveries_cluster_alone(alice):
    upload(alice, webhook_url="https://receiver.example/hook")
    job = TranscriptionJob.objects.get()
    alice.client().post(f"/api/v1/transcribe/{job.pk}/cancel/")
    queues = {row.key: row.task["func"] for row in OrmQ.objects.all()}
    assert queues[DELIVERIES_CLUSTER] == "webhooks.tasks.deliver"
    assert "webhooks.tasks.deliver" not in {
        row.task["func"] for row in OrmQ.objects.exclude(key=DELIVERIES_CLUSTER)
    }
