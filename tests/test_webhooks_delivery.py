"""Webhook events and attempts, made in this process against a real loopback receiver:
what is sent, how it is signed, and what each kind of answer leads to.

Loopback is refused by the SSRF guard by design; these tests allow 127.0.0.0/8 through
HARK_OUTBOUND_ALLOWED_NETWORKS, except those that prove the refusal.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_q.models import OrmQ
from standardwebhooks.webhooks import Webhook

from jobs.lifecycle.transcription import job_claim, job_complete, job_fail
from jobs.models import TranscriptionJob
from jobs.services.events import job_event_emit
from jobs.services.lifecycle import job_cancel
from tests.test_api_transcribe import upload
from tests.test_worker_protocol import result
from tests.webhook_receiver import Received, Receiver, Reply, receiving
from webhooks.delivery import delivery_attempt
from webhooks.models import Attempt, AttemptOutcome, Delivery, DeliveryStatus, Endpoint
from webhooks.services import endpoint_create, organization_secret

pytestmark = pytest.mark.django_db


@pytest.fixture
def loopback(settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.HARK_WEBHOOK_RETRY_SCHEDULE = [0.05] * 9
    settings.HARK_WEBHOOK_TIMEOUT_SECONDS = 1.0
    settings.HARK_PUBLIC_URL = "https://hark.example.com"


def completed_job(persona, **data) -> TranscriptionJob:
    job = TranscriptionJob.objects.get(pk=upload(persona, **data).json()["id"])
    claim = job_claim(str(job.id))
    assert claim is not None
    assert job_complete(claim, result())
    return job


def deliver_until_done(delivery: Delivery, *, limit: int = 20) -> Delivery:
    """Make attempts as a worker would, waiting for each retry to fall due."""
    for _ in range(limit):
        delivery.refresh_from_db()
        if delivery.status != DeliveryStatus.PENDING:
            return delivery
        if delivery.next_attempt_at and delivery.next_attempt_at > timezone.now():
            time.sleep((delivery.next_attempt_at - timezone.now()).total_seconds() + 0.01)
        delivery_attempt(str(delivery.pk))
    delivery.refresh_from_db()
    return delivery


def verify(secret: str, request: Received) -> Any:
    return Webhook(secret).verify(request.body, request.headers)


def test_a_completed_job_is_delivered_to_its_webhook_url_signed_with_the_org_secret(
    alice, loopback
):
    with receiving() as receiver:
        job = completed_job(alice, webhook_url=receiver.url())
        delivery = Delivery.objects.get()
        assert deliver_until_done(delivery).status == DeliveryStatus.SUCCEEDED
    [request] = receiver.requests
    secret = organization_secret(alice.organization).secret
    body = verify(secret, request)
    assert body["type"] == "job.completed"
    assert body["event"] == "job_completed"  # Gumzo's spelling
    assert body["id"] == body["job_id"] == str(job.id)
    assert body["job_type"] == "transcription"
    assert body["status"] == "completed"
    assert body["result_url"] == f"https://hark.example.com/api/v1/transcribe/{job.id}/"
    assert body["created_at"]
    assert body["transcript"] == "hello world"
    assert body["segments"][0]["text"] == "hello world"
    assert body["credits_used"] == 0.19
    # The transcript part is exactly what the API shows.
    api = alice.client().get(f"/api/v1/transcribe/{job.id}/?segments=true").json()
    assert {k: body[k] for k in api} == api
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["x-hark-signature"] == expected
    # A receiver written for Gumzo checks its own header name.
    assert request.headers["x-gumzo-signature"] == expected
    assert request.headers["x-hark-event"] == "job.completed"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["webhook-id"] == delivery.message_id
    attempt = Attempt.objects.get()
    assert (attempt.outcome, attempt.status_code, attempt.response_excerpt) == (
        "success",
        200,
        "ok",
    )
    assert attempt.duration_ms is not None


def test_endpoints_get_the_events_they_subscribe_to_with_their_own_secret(alice, bob, loopback):
    with receiving() as everything, receiving() as failures, receiving() as thin:
        _, all_secret = endpoint_create(
            organization=alice.organization, actor=None, url=everything.url()
        )
        endpoint_create(organization=alice.organization, actor=None, url=failures.url(),
                        event_types=["job.failed"])  # fmt: skip
        _, thin_secret = endpoint_create(organization=alice.organization, actor=None,
                                         url=thin.url(), thin_payload=True)  # fmt: skip
        endpoint_create(organization=bob.organization, actor=None, url=everything.url("/bob"))
        disabled, _ = endpoint_create(
            organization=alice.organization, actor=None, url=everything.url("/off")
        )
        Endpoint.objects.filter(pk=disabled.pk).update(enabled=False)

        job = completed_job(alice)
        for delivery in Delivery.objects.all():
            deliver_until_done(delivery)

    assert Delivery.objects.count() == 2
    assert failures.requests == []
    assert [r.path for r in everything.requests] == ["/hook"]
    full = verify(all_secret, everything.requests[0])
    light = verify(thin_secret, thin.requests[0])
    assert full["transcript"] == "hello world"
    assert "transcript" not in light
    assert "segments" not in light
    assert light["result_url"] == full["result_url"]
    assert light["job_id"] == str(job.id)
    # One event, one webhook-id, whichever endpoint it goes to.
    assert everything.requests[0].headers["webhook-id"] == thin.requests[0].headers["webhook-id"]
    with pytest.raises(Exception, match="signature"):
        verify(thin_secret, everything.requests[0])


def test_failed_and_canceled_jobs_are_announced(alice, loopback):
    with receiving() as receiver:
        _, secret = endpoint_create(organization=alice.organization, actor=None, url=receiver.url())
        failing = TranscriptionJob.objects.get(pk=upload(alice).json()["id"])
        job_fail(failing, "The file is damaged after 00:04.")
        canceled = TranscriptionJob.objects.get(pk=upload(alice).json()["id"])
        job_cancel(organization=alice.organization, job_id=canceled.pk, actor=None)
        for delivery in Delivery.objects.order_by("created_at"):
            deliver_until_done(delivery)
    bodies = [verify(secret, r) for r in receiver.requests]
    assert [(b["type"], b["job_id"], b["status"]) for b in bodies] == [
        ("job.failed", str(failing.pk), "failed"),
        ("job.canceled", str(canceled.pk), "canceled"),
    ]
    assert bodies[0]["error_message"] == "The file is damaged after 00:04."


def test_deliveries_are_written_with_the_transition_and_vanish_with_its_rollback(alice, loopback):
    endpoint_create(organization=alice.organization, actor=None, url="http://127.0.0.1:9/hook")
    job = TranscriptionJob.objects.get(pk=upload(alice).json()["id"])
    tasks_before = OrmQ.objects.count()

    def transition_that_fails() -> None:
        with transaction.atomic():
            assert job_event_emit(job_id=job.pk, event_type="job.failed") == 1
            raise RuntimeError("the transition failed")

    with pytest.raises(RuntimeError):
        transition_that_fails()
    assert not Delivery.objects.exists()
    assert OrmQ.objects.count() == tasks_before
    assert job_event_emit(job_id=job.pk, event_type="job.failed") == 1
    assert OrmQ.objects.count() == tasks_before + 1


def test_nine_failures_then_success_is_ten_attempts_with_one_webhook_id(alice, loopback):
    script = [Reply(500, b"down")] * 9 + [Reply(200, b"ok")]
    with receiving(script) as receiver:
        completed_job(alice, webhook_url=receiver.url())
        delivery = deliver_until_done(Delivery.objects.get())
    assert delivery.status == DeliveryStatus.SUCCEEDED
    assert delivery.attempts_made == 10
    assert len(receiver.requests) == 10
    assert {r.headers["webhook-id"] for r in receiver.requests} == {delivery.message_id}
    assert {r.body for r in receiver.requests} == {delivery.payload.encode()}
    secret = organization_secret(alice.organization).secret
    for request in receiver.requests:
        verify(secret, request)
    outcomes = list(
        Attempt.objects.order_by("number").values_list("number", "outcome", "status_code")
    )
    assert outcomes == [(n, "http_error", 500) for n in range(1, 10)] + [(10, "success", 200)]


def test_ten_failures_fail_the_delivery(alice, loopback):
    with receiving([Reply(503, b"no")]) as receiver:
        completed_job(alice, webhook_url=receiver.url())
        delivery = deliver_until_done(Delivery.objects.get())
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.outcome == "All 10 attempts failed."
    assert len(receiver.requests) == 10
    assert delivery_attempt(str(delivery.pk)) is None
    assert len(receiver.requests) == 10


def test_a_redirect_is_a_failure_and_is_not_followed(alice, loopback):
    with receiving([Reply(302, b"", {"Location": "/moved"})]) as receiver:
        completed_job(alice, webhook_url=receiver.url())
        delivery = Delivery.objects.get()
        assert delivery_attempt(str(delivery.pk)) == AttemptOutcome.HTTP_ERROR
    assert [r.path for r in receiver.requests] == ["/hook"]
    attempt = Attempt.objects.get()
    assert attempt.status_code == 302
    assert "redirects are not followed" in attempt.error
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.next_attempt_at is not None


def test_a_receiver_that_takes_twenty_seconds_is_a_timeout(alice, loopback):
    with receiving([Reply(200, b"too late", delay=20)]) as receiver:
        completed_job(alice, webhook_url=receiver.url())
        started = time.monotonic()
        assert delivery_attempt(str(Delivery.objects.get().pk)) == AttemptOutcome.TIMEOUT
        assert time.monotonic() - started < 3
    attempt = Attempt.objects.get()
    assert attempt.outcome == AttemptOutcome.TIMEOUT
    assert attempt.error == "No complete answer within 1 s."
    assert Delivery.objects.get().status == DeliveryStatus.PENDING


def test_a_gotranscript_style_ok_and_any_2xx_are_success(alice, loopback):
    with receiving([Reply(200, b"ok")]) as ok, receiving([Reply(204, b"")]) as empty:
        endpoint_create(organization=alice.organization, actor=None, url=ok.url())
        endpoint_create(organization=alice.organization, actor=None, url=empty.url())
        completed_job(alice)
        statuses = {deliver_until_done(d).status for d in Delivery.objects.all()}
    assert statuses == {DeliveryStatus.SUCCEEDED}


def test_retry_after_is_honoured(alice, loopback):
    with receiving([Reply(429, b"slow down", {"Retry-After": "120"})]) as receiver:
        completed_job(alice, webhook_url=receiver.url())
        delivery = Delivery.objects.get()
        before = timezone.now()
        delivery_attempt(str(delivery.pk))
    delivery.refresh_from_db()
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at >= before + timedelta(seconds=120)
    # The retry waits in the broker's table until then, not in a worker.
    assert delivery_attempt(str(delivery.pk)) is None
    assert len(receiver.requests) == 1


def test_410_gone_disables_the_endpoint_and_tells_its_owners(
    alice, loopback, django_capture_on_commit_callbacks
):
    with receiving([Reply(410, b"gone")]) as receiver:
        endpoint, _ = endpoint_create(
            organization=alice.organization, actor=None, url=receiver.url()
        )
        completed_job(alice)
        with django_capture_on_commit_callbacks(execute=True):
            deliver_until_done(Delivery.objects.get())
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert "410" in endpoint.disabled_reason
    assert len(receiver.requests) == 1
    assert Delivery.objects.get().status == DeliveryStatus.FAILED
    [message] = mail.outbox
    assert message.to == ["alice@example.org"]
    assert endpoint.url in message.subject
    # Nothing more is queued for it.
    completed_job(alice)
    assert Delivery.objects.count() == 1


def test_an_endpoint_that_keeps_failing_is_disabled_and_its_owners_emailed(
    alice, loopback, settings, django_capture_on_commit_callbacks
):
    settings.HARK_WEBHOOK_DISABLE_AFTER = 2
    settings.HARK_WEBHOOK_RETRY_SCHEDULE = [0.01]
    with receiving([Reply(500, b"broken")]) as receiver:
        endpoint, _ = endpoint_create(
            organization=alice.organization, actor=None, url=receiver.url()
        )
        with django_capture_on_commit_callbacks(execute=True):
            deliver_until_done(Delivery.objects.get(job_id=completed_job(alice).pk))
            endpoint.refresh_from_db()
            assert endpoint.enabled
            assert endpoint.failed_deliveries_in_a_row == 1
            assert mail.outbox == []
            deliver_until_done(Delivery.objects.get(job_id=completed_job(alice).pk))
    endpoint.refresh_from_db()
    assert not endpoint.enabled
    assert endpoint.disabled_reason == "2 deliveries in a row failed after every attempt."
    assert len(receiver.requests) == 4
    assert len(mail.outbox) == 1
    assert "enable the endpoint again" in mail.outbox[0].body


def test_a_success_resets_the_failure_count(alice, loopback, settings):
    settings.HARK_WEBHOOK_RETRY_SCHEDULE = [0.01]
    with receiving([Reply(500), Reply(500), Reply(200)]) as receiver:
        endpoint, _ = endpoint_create(
            organization=alice.organization, actor=None, url=receiver.url()
        )
        deliver_until_done(Delivery.objects.get(job_id=completed_job(alice).pk))
        endpoint.refresh_from_db()
        assert endpoint.failed_deliveries_in_a_row == 1
        deliver_until_done(Delivery.objects.get(job_id=completed_job(alice).pk))
    endpoint.refresh_from_db()
    assert endpoint.failed_deliveries_in_a_row == 0
    assert endpoint.enabled


def test_a_rotated_secret_overlaps_with_the_old_one(alice, loopback):
    from webhooks.services import endpoint_rotate_secret

    with receiving() as receiver:
        endpoint, old = endpoint_create(
            organization=alice.organization, actor=None, url=receiver.url()
        )
        _, new = endpoint_rotate_secret(
            organization=alice.organization, endpoint_id=endpoint.pk, actor=None
        )
        completed_job(alice)
        deliver_until_done(Delivery.objects.get())
        Endpoint.objects.filter(pk=endpoint.pk).update(
            previous_secret_expires_at=timezone.now() - timedelta(seconds=1)
        )
        completed_job(alice)
        deliver_until_done(Delivery.objects.filter(status=DeliveryStatus.PENDING).get())
    during, after = receiver.requests
    assert verify(old, during) == verify(new, during)
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert "x-hark-signature-previous" in during.headers
    verify(new, after)
    with pytest.raises(Exception, match="signature"):
        verify(old, after)


LISTED = ["http://127.0.0.1:{port}/hook", "http://169.254.169.254/latest/meta-data/",
          "http://[::ffff:127.0.0.1]:{port}/hook", "http://2130706433:{port}/hook",
          "http://localhost:{port}/hook"]  # fmt: skip


@pytest.mark.parametrize("template", LISTED)
def test_the_listed_addresses_are_refused_at_delivery(alice, template):
    """Default (empty) allow-list. The row is written directly: registration would have
    refused it, as a DNS answer that changed since registration would be refused here."""
    with receiving() as receiver:
        url = template.format(port=receiver.port)
        delivery = Delivery.objects.create(
            organization=alice.organization, url=url, event_type="job.completed",
            message_id="msg_test", payload="{}", next_attempt_at=timezone.now(),
        )  # fmt: skip
        assert delivery_attempt(str(delivery.pk)) == AttemptOutcome.REFUSED
        assert receiver.requests == []
    attempt = Attempt.objects.get()
    assert attempt.outcome == AttemptOutcome.REFUSED
    assert attempt.error
    assert attempt.status_code is None


def test_a_receiver_allowed_at_registration_is_refused_once_it_is_not(alice, loopback, settings):
    with receiving() as receiver:
        completed_job(alice, webhook_url=receiver.url())
        settings.HARK_OUTBOUND_ALLOWED_NETWORKS = []
        delivery_attempt(str(Delivery.objects.get().pk))
        assert receiver.requests == []
    assert Attempt.objects.get().error.startswith("Requests only go to public internet addresses")


def test_a_redelivered_task_makes_one_attempt(alice, loopback):
    with receiving([Reply(500)]) as receiver:
        completed_job(alice, webhook_url=receiver.url())
        delivery = Delivery.objects.get()
        assert delivery_attempt(str(delivery.pk)) == AttemptOutcome.HTTP_ERROR
        assert delivery_attempt(str(delivery.pk)) is None  # not due yet
    assert len(receiver.requests) == 1


def test_payload_is_stored_exactly_as_sent(alice, loopback):
    receiver = Receiver().start()
    try:
        completed_job(alice, webhook_url=receiver.url())
        delivery = deliver_until_done(Delivery.objects.get())
    finally:
        receiver.stop()
    assert receiver.requests[0].body == delivery.payload.encode()
    assert json.loads(delivery.payload)["transcript"] == "hello world"


def test_a_delivery_to_an_endpoint_disabled_meanwhile_is_not_sent(alice, loopback):
    with receiving() as receiver:
        endpoint, _ = endpoint_create(
            organization=alice.organization, actor=None, url=receiver.url()
        )
        completed_job(alice)
        Endpoint.objects.filter(pk=endpoint.pk).update(enabled=False)
        delivery = Delivery.objects.get()
        assert delivery_attempt(str(delivery.pk)) is None
        assert receiver.requests == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.outcome == "Not sent: the endpoint is disabled."
    assert delivery.attempts_made == 0
    assert not Attempt.objects.exists()


def test_events_that_are_not_about_a_job_go_to_their_subscribers(alice, loopback, monkeypatch):
    from webhooks import events
    from webhooks.services import event_emit

    monkeypatch.setitem(events.EVENT_TYPES, "wallet.low_balance", "Credits are running low.")
    with receiving() as receiver:
        _, secret = endpoint_create(organization=alice.organization, actor=None, url=receiver.url(),
                                    event_types=["wallet.low_balance"])  # fmt: skip
        endpoint_create(organization=alice.organization, actor=None, url=receiver.url("/jobs-only"),
                        event_types=["job.completed"])  # fmt: skip
        assert event_emit(organization=alice.organization, event_type="wallet.low_balance",
                          data={"available": 4.5}) == 1  # fmt: skip
        deliver_until_done(Delivery.objects.get())
    [request] = receiver.requests
    body = verify(secret, request)
    assert (body["type"], body["event"], body["available"]) == (
        "wallet.low_balance", "wallet_low_balance", 4.5,
    )  # fmt: skip
