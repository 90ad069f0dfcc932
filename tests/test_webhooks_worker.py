"""Webhooks through real ``qcluster`` processes: a real transcription announced to its
webhook_url, the full retry schedule, and workers killed mid-schedule and mid-attempt.

The worker processes get their settings from the environment: loopback allowed (the
receiver is on 127.0.0.1), seconds-long retry schedules, a short timeout.
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from jobs.models import JobStatus, TranscriptionJob
from jobs.transcripts.selectors import job_text
from tests.conftest import wait_for
from tests.test_api_transcribe import upload
from tests.webhook_receiver import Reply, receiving
from webhooks.delivery import deliveries_recover
from webhooks.models import Attempt, AttemptOutcome, Delivery, DeliveryStatus
from webhooks.services import endpoint_create, organization_secret

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def worker_env(schedule: str, timeout: str = "1") -> dict[str, str]:
    return {
        "HARK_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
        "HARK_WEBHOOK_RETRY_SCHEDULE": schedule,
        "HARK_WEBHOOK_TIMEOUT_SECONDS": timeout,
    }


@pytest.fixture(autouse=True)
def loopback(settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]


def the_delivery() -> Delivery:
    return Delivery.objects.get()


def finished() -> bool:
    return Delivery.objects.exclude(status=DeliveryStatus.PENDING).exists()


def outcomes() -> list[tuple[int, str]]:
    return list(Attempt.objects.order_by("number").values_list("number", "outcome"))


def test_a_real_transcription_is_announced_to_its_webhook_url(alice, start_worker):
    start_worker(**worker_env("1"))
    with receiving() as receiver:
        job_id = upload(alice, webhook_url=receiver.url()).json()["id"]
        wait_for(lambda: receiver.requests, timeout=180)
    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED
    [request] = receiver.requests
    body = Webhook(organization_secret(alice.organization).secret).verify(
        request.body, request.headers
    )
    assert (body["type"], body["job_id"], body["status"]) == ("job.completed", job_id, "completed")
    assert "country" in body["transcript"]
    assert body["transcript"] == job_text(job)
    assert body["credits_used"] == float(job.credits_used)
    wait_for(finished, timeout=10)
    assert the_delivery().status == DeliveryStatus.SUCCEEDED
    assert job.finished_at is not None
    assert request.at - job.finished_at.timestamp() < 5


def test_nine_failures_then_200_through_a_real_worker(alice, start_worker):
    start_worker(**worker_env(",".join(["0.2"] * 9)))
    with receiving([Reply(500, b"not yet")] * 9 + [Reply(200, b"ok")]) as receiver:
        job_id = upload(alice, webhook_url=receiver.url()).json()["id"]
        alice.client().post(f"/api/v1/transcribe/{job_id}/cancel/")
        wait_for(finished, timeout=90)
    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.event_type == "job.canceled"
    assert len(receiver.requests) == 10
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery.message_id}
    webhook = Webhook(organization_secret(alice.organization).secret)
    for request in receiver.requests:
        assert webhook.verify(request.body, request.headers)["job_id"] == job_id
    assert outcomes() == [(n, "http_error") for n in range(1, 10)] + [(10, "success")]


def test_killing_the_worker_mid_schedule_loses_no_delivery(alice, start_worker):
    env = worker_env(",".join(["2"] * 9))
    worker = start_worker(**env)
    with receiving([Reply(503, b"busy")] * 5 + [Reply(200, b"ok")]) as receiver:
        endpoint_create(organization=alice.organization, actor=None, url=receiver.url())
        job_id = upload(alice).json()["id"]
        alice.client().post(f"/api/v1/transcribe/{job_id}/cancel/")

        def between_attempts() -> bool:
            delivery = the_delivery()
            return delivery.attempts_made >= 2 and delivery.leased_until is None

        wait_for(between_attempts, timeout=60, interval=0.05)
        worker.kill()
        seen = len(receiver.requests)
        time.sleep(4)  # the next attempt falls due while no worker runs
        assert len(receiver.requests) == seen
        assert the_delivery().status == DeliveryStatus.PENDING

        start_worker(**env)
        wait_for(finished, timeout=90)
    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 6
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery.message_id}
    assert outcomes() == [(n, "http_error") for n in range(1, 6)] + [(6, "success")]


def test_killing_the_worker_mid_attempt_is_recovered_by_the_sweeper(alice, start_worker):
    env = worker_env("1", timeout="10")
    worker = start_worker(**env)
    with receiving([Reply(200, b"slow", delay=5), Reply(200, b"ok")]) as receiver:
        job_id = upload(alice, webhook_url=receiver.url()).json()["id"]
        alice.client().post(f"/api/v1/transcribe/{job_id}/cancel/")
        wait_for(lambda: receiver.requests, timeout=60, interval=0.05)
        worker.kill()
        assert outcomes() == [(1, AttemptOutcome.IN_PROGRESS)]
        # Nothing is due for the sweeper while the lease could still be live.
        assert deliveries_recover() == 0
        # Once the lease has lapsed (here: asked as of a later time), it is queued again.
        assert deliveries_recover(now=timezone.now() + timedelta(minutes=2)) == 1
        start_worker(**env)
        wait_for(finished, timeout=60)
    delivery = the_delivery()
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert outcomes() == [(1, AttemptOutcome.INTERRUPTED), (2, AttemptOutcome.SUCCESS)]
    assert [r.headers["webhook-id"] for r in receiver.requests] == [delivery.message_id] * 2
