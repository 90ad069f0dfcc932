"""/api/v1/webhooks/: endpoints (secret shown once), the log, resend and test events,
and the SSRF guard at registration — for endpoints and for a job's webhook_url."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from tests.conftest import Persona
from tests.test_api_transcribe import assert_nothing_created, upload
from webhooks.models import Delivery, DeliveryStatus, Endpoint, SigningSecret

pytestmark = pytest.mark.django_db

# The addresses the issue lists, and friends; {port} is any port.
REFUSED_URLS = [
    "http://127.0.0.1:8080/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:127.0.0.1]/hook",
    "http://2130706433/hook",
    "http://localhost:8000/hook",  # a name that resolves to a private address
    "http://10.0.0.5/hook",
    "http://[::1]/hook",
    "ftp://example.com/hook",
]


def create(persona: Persona, **body: Any) -> Any:
    return persona.client().post(
        "/api/v1/webhooks/", {"url": "https://93.184.216.34/hook", **body}, format="json"
    )


def test_creating_an_endpoint_shows_its_secret_once(alice):
    response = create(alice, description="Production", events=["job.completed"])
    assert response.status_code == 201, response.content
    body = response.json()
    endpoint = Endpoint.objects.get()
    assert body["id"] == str(endpoint.pk)
    assert body["secret"] == endpoint.secret
    assert body["secret"].startswith("whsec_")
    assert body["events"] == ["job.completed"]
    assert body["enabled"] is True
    assert endpoint.organization == alice.organization
    assert endpoint.created_by == alice.user
    detail = alice.client().get(f"/api/v1/webhooks/{endpoint.pk}/").json()
    listing = alice.client().get("/api/v1/webhooks/").json()
    assert "secret" not in detail
    assert "secret" not in listing["results"][0]
    assert endpoint.secret not in str(detail) + str(listing)
    assert detail["secret_hint"] == endpoint.secret[:10] + "…"


def test_an_endpoint_subscribes_to_every_event_unless_told(alice):
    assert create(alice).json()["events"] == ["job.completed", "job.failed", "job.canceled"]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_non_public_endpoint_urls_are_refused_at_registration(alice, url):
    response = create(alice, url=url)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["message"].startswith("This webhook URL is not allowed.")
    assert not Endpoint.objects.exists()


def test_changing_the_url_goes_through_the_guard_too(alice):
    endpoint_id = create(alice).json()["id"]
    response = alice.client().patch(
        f"/api/v1/webhooks/{endpoint_id}/", {"url": "http://169.254.169.254/"}, format="json"
    )
    assert response.status_code == 400
    assert "cloud metadata" in response.json()["message"]
    assert Endpoint.objects.get().url == "https://93.184.216.34/hook"


@pytest.mark.parametrize("url", REFUSED_URLS[:5])
def test_a_jobs_refused_webhook_url_is_a_400_and_creates_nothing(alice, isolated_media, url):
    response = upload(alice, webhook_url=url)
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"] == "invalid_request"
    assert body["message"].startswith("webhook_url:")
    assert_nothing_created(isolated_media, alice.organization)


def test_a_jobs_refused_webhook_url_says_why(alice):
    message = upload(alice, webhook_url="http://169.254.169.254/latest").json()["message"]
    assert message == (
        "webhook_url: This webhook URL is not allowed. Requests only go to public internet "
        "addresses: 169.254.169.254 is a cloud metadata service."
    )


def test_a_jobs_public_or_not_yet_resolvable_webhook_url_is_accepted(alice):
    assert upload(alice, webhook_url="https://93.184.216.34/hook").status_code == 200
    assert upload(alice, webhook_url="https://hooks.example.invalid/x").status_code == 200


def test_updating_and_deleting_an_endpoint(alice):
    endpoint_id = create(alice).json()["id"]
    changed = alice.client().patch(
        f"/api/v1/webhooks/{endpoint_id}/",
        {"events": ["job.failed"], "enabled": False, "thin_payload": True, "description": "x"},
        format="json",
    )
    assert changed.status_code == 200
    assert changed.json()["events"] == ["job.failed"]
    assert changed.json()["disabled_reason"] == "Disabled by a member."
    endpoint = Endpoint.objects.get()
    assert (endpoint.enabled, endpoint.thin_payload, endpoint.description) == (False, True, "x")
    assert alice.client().delete(f"/api/v1/webhooks/{endpoint_id}/").status_code == 204
    assert not Endpoint.objects.exists()


@pytest.mark.parametrize(
    ("events", "message"),
    [(["job.exploded"], "is not a valid choice"), ([], "may not be empty")],
)
def test_events_must_be_known_and_not_empty(alice, events, message):
    response = create(alice, events=events)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert not Endpoint.objects.exists()


def test_another_organizations_endpoints_are_invisible(alice, bob):
    endpoint_id = create(alice).json()["id"]
    client = bob.client()
    assert client.get("/api/v1/webhooks/").json()["results"] == []
    for response in (
        client.get(f"/api/v1/webhooks/{endpoint_id}/"),
        client.patch(f"/api/v1/webhooks/{endpoint_id}/", {"enabled": False}, format="json"),
        client.delete(f"/api/v1/webhooks/{endpoint_id}/"),
        client.post(f"/api/v1/webhooks/{endpoint_id}/rotate-secret/"),
        client.post(f"/api/v1/webhooks/{endpoint_id}/test/"),
        client.get(f"/api/v1/webhooks/{endpoint_id}/deliveries/"),
    ):
        assert response.status_code == 404
        assert response.json() == {
            "error": "not_found", "message": "No webhook endpoint with that id was found.",
        }  # fmt: skip
    assert Endpoint.objects.get().enabled
    assert not Delivery.objects.exists()


def test_rotating_a_secret_returns_the_new_one_and_keeps_the_old_for_a_while(alice, settings):
    first = create(alice).json()
    response = alice.client().post(f"/api/v1/webhooks/{first['id']}/rotate-secret/")
    assert response.status_code == 200
    endpoint = Endpoint.objects.get()
    assert response.json()["secret"] == endpoint.secret != first["secret"]
    assert endpoint.previous_secret == first["secret"]
    assert endpoint.previous_secret_expires_at is not None
    hours = (endpoint.previous_secret_expires_at - timezone.now()).total_seconds() / 3600
    assert hours == pytest.approx(settings.HARK_WEBHOOK_SECRET_OVERLAP_HOURS, abs=0.01)
    assert endpoint.signing_secrets(timezone.now()) == [endpoint.secret, first["secret"]]


def test_a_test_event_is_queued_for_the_endpoint_and_logged(alice):
    endpoint_id = create(alice, events=["job.failed"]).json()["id"]
    response = alice.client().post(f"/api/v1/webhooks/{endpoint_id}/test/")
    assert response.status_code == 202
    delivery = Delivery.objects.get()
    assert response.json()["id"] == str(delivery.pk)
    assert delivery.event_type == "webhook.test"
    assert delivery.status == DeliveryStatus.PENDING
    log = alice.client().get(f"/api/v1/webhooks/{endpoint_id}/deliveries/").json()
    assert [d["id"] for d in log["results"]] == [str(delivery.pk)]
    detail = alice.client().get(f"/api/v1/webhooks/deliveries/{delivery.pk}/").json()
    assert detail["payload"]["type"] == "webhook.test"
    assert detail["attempt_log"] == []
    assert detail["webhook_id"] == delivery.message_id


def test_resend_keeps_the_webhook_id_and_body(alice, bob):
    endpoint_id = create(alice).json()["id"]
    alice.client().post(f"/api/v1/webhooks/{endpoint_id}/test/")
    original = Delivery.objects.get()
    pending = alice.client().post(f"/api/v1/webhooks/deliveries/{original.pk}/resend/")
    assert pending.status_code == 409
    Delivery.objects.filter(pk=original.pk).update(status=DeliveryStatus.FAILED)
    assert (
        bob.client().post(f"/api/v1/webhooks/deliveries/{original.pk}/resend/").status_code == 404
    )
    response = alice.client().post(f"/api/v1/webhooks/deliveries/{original.pk}/resend/")
    assert response.status_code == 202
    copy = Delivery.objects.exclude(pk=original.pk).get()
    assert response.json()["resent_from"] == str(original.pk)
    assert (copy.message_id, copy.payload, copy.url) == (
        original.message_id, original.payload, original.url,
    )  # fmt: skip
    assert copy.status == DeliveryStatus.PENDING


def test_the_organizations_signing_secret_is_made_on_first_use_and_rotates(alice, bob):
    first = alice.client().get("/api/v1/webhooks/signing-secret/").json()
    assert first["secret"].startswith("whsec_")
    assert SigningSecret.objects.get().organization == alice.organization
    assert alice.client().get("/api/v1/webhooks/signing-secret/").json() == first
    rotated = alice.client().post("/api/v1/webhooks/signing-secret/rotate/").json()
    assert rotated["secret"] != first["secret"]
    assert rotated["previous_secret_expires_at"]
    assert bob.client().get("/api/v1/webhooks/signing-secret/").json()["secret"] not in (
        first["secret"], rotated["secret"],
    )  # fmt: skip


def test_the_webhooks_api_needs_a_key(client):
    response = client.get("/api/v1/webhooks/")
    assert response.status_code == 401
    assert response.json()["error"] == "authentication_failed"
