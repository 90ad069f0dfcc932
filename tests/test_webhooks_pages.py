"""Webhook pages: endpoints, the delivery log with resend and test events, the
receivers' docs, the admin — who may do what, and nothing leaks between organizations."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import time
from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.test_webhooks_delivery import completed_job, deliver_until_done
from tests.webhook_receiver import Reply, receiving
from webhooks.models import Attempt, Delivery, DeliveryStatus, Endpoint, SigningSecret
from webhooks.services import endpoint_create
from webhooks.signing import secret_generate, signed_headers

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def loopback(settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.HARK_WEBHOOK_RETRY_SCHEDULE = [0.05]
    settings.HARK_WEBHOOK_TIMEOUT_SECONDS = 1.0


def test_every_page_has_the_webhooks_link(alice):
    body = signed_in(alice.user).get("/").content.decode()
    assert '<a href="/webhooks/"' in body


def test_adding_an_endpoint_shows_its_secret_once(alice):
    client = signed_in(alice.user)
    response = client.post(
        "/webhooks/",
        {"url": "https://93.184.216.34/hook", "description": "Prod",
         "events": ["job.completed", "job.failed"]},
    )  # fmt: skip
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    found = re.search(r'data-role="secret">(whsec_[^<]+)<', response.content.decode())
    assert found, "the secret is on the page"
    secret = found.group(1)
    endpoint = Endpoint.objects.get()
    assert endpoint.secret == secret
    assert endpoint.events == ["job.completed", "job.failed"]
    assert endpoint.created_by == alice.user
    for page in ("/webhooks/", f"/webhooks/{endpoint.pk}/"):
        body = client.get(page).content.decode()
        assert "https://93.184.216.34/hook" in body
        assert secret not in body


def test_a_refused_url_is_explained_on_the_form(alice):
    response = signed_in(alice.user).post(
        "/webhooks/", {"url": "http://169.254.169.254/", "events": ["job.completed"]}
    )
    assert response.status_code == 400
    assert "169.254.169.254 is a cloud metadata service" in response.content.decode()
    assert not Endpoint.objects.exists()


def test_members_read_the_log_but_only_managers_change_things(bob, charlie):
    endpoint, _ = endpoint_create(
        organization=bob.organization, actor=None, url="https://93.184.216.34/h"
    )
    client = signed_in(charlie)
    index = client.get("/webhooks/")
    assert index.status_code == 200
    body = index.content.decode()
    assert "https://93.184.216.34/h" in body
    assert "whsec_" not in body  # not even the organization's secret
    for path, data in [
        ("/webhooks/", {"url": "https://93.184.216.35/", "events": ["job.failed"]}),
        (f"/webhooks/{endpoint.pk}/", {"url": "https://93.184.216.35/", "events": ["job.failed"]}),
        (f"/webhooks/{endpoint.pk}/rotate/", {}),
        (f"/webhooks/{endpoint.pk}/test/", {}),
        (f"/webhooks/{endpoint.pk}/delete/", {}),
        ("/webhooks/signing-secret/rotate/", {}),
    ]:
        response = client.post(path, data)
        assert response.status_code == 403, path
        assert "Only owners and admins" in response.content.decode()
    assert Endpoint.objects.get().url == "https://93.184.216.34/h"
    assert not Delivery.objects.exists()


def test_another_organizations_endpoints_and_deliveries_are_404(alice, bob):
    endpoint, _ = endpoint_create(
        organization=bob.organization, actor=None, url="https://93.184.216.34/h"
    )
    delivery = Delivery.objects.create(
        organization=bob.organization, endpoint=endpoint, url=endpoint.url,
        event_type="webhook.test", message_id="msg_x", payload="{}",
    )  # fmt: skip
    client = signed_in(alice.user)
    assert "93.184.216.34" not in client.get("/webhooks/").content.decode()
    for response in (
        client.get(f"/webhooks/{endpoint.pk}/"),
        client.post(f"/webhooks/{endpoint.pk}/delete/"),
        client.get(f"/webhooks/deliveries/{delivery.pk}/"),
        client.post(f"/webhooks/deliveries/{delivery.pk}/resend/"),
    ):
        assert response.status_code == 404
    assert Endpoint.objects.filter(pk=endpoint.pk).exists()
    assert Delivery.objects.count() == 1


def test_the_log_shows_payloads_and_attempts_and_resend_delivers_again(alice, loopback):
    client = signed_in(alice.user)
    with receiving([Reply(500, b"database is down"), Reply(200, b"ok")]) as receiver:
        endpoint, _ = endpoint_create(
            organization=alice.organization, actor=None, url=receiver.url()
        )
        job = completed_job(alice)
        delivery = Delivery.objects.get()
        from webhooks.delivery import delivery_attempt

        delivery_attempt(str(delivery.pk))
        page = client.get(f"/webhooks/deliveries/{delivery.pk}/").content.decode()
        assert "database is down" in page
        assert str(job.pk) in page
        assert "&quot;transcript&quot;: &quot;hello world&quot;" in page
        assert delivery.message_id in page
        assert 'action="/webhooks/deliveries/' not in page  # no resend while pending
        delivery = deliver_until_done(delivery)
        assert delivery.status == DeliveryStatus.SUCCEEDED

        log = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
        assert f'data-delivery="{delivery.pk}"' in log
        response = client.post(f"/webhooks/deliveries/{delivery.pk}/resend/")
        copy = Delivery.objects.exclude(pk=delivery.pk).get()
        assert response.status_code == 302
        assert response["Location"] == f"/webhooks/deliveries/{copy.pk}/"
        assert deliver_until_done(copy).status == DeliveryStatus.SUCCEEDED
    assert len(receiver.requests) == 3
    assert receiver.requests[2].headers["webhook-id"] == delivery.message_id
    assert receiver.requests[2].body == receiver.requests[1].body


def test_send_test_event_reaches_the_endpoint(alice, loopback):
    client = signed_in(alice.user)
    with receiving() as receiver:
        endpoint, _ = endpoint_create(organization=alice.organization, actor=None,
                                      url=receiver.url(), event_types=["job.failed"])  # fmt: skip
        response = client.post(f"/webhooks/{endpoint.pk}/test/")
        delivery = Delivery.objects.get()
        assert response["Location"] == f"/webhooks/deliveries/{delivery.pk}/"
        deliver_until_done(delivery)
    assert receiver.requests[0].headers["x-hark-event"] == "webhook.test"
    assert Attempt.objects.get().outcome == "success"
    page = client.get(f"/webhooks/deliveries/{delivery.pk}/").content.decode()
    assert "Success" in page
    assert "Succeeded" in page


def test_editing_rotating_and_deleting_an_endpoint(alice):
    client = signed_in(alice.user)
    endpoint, old_secret = endpoint_create(organization=alice.organization, actor=None,
                                           url="https://93.184.216.34/h")  # fmt: skip
    Endpoint.objects.filter(pk=endpoint.pk).update(
        enabled=False, disabled_reason="The receiver answered 410 Gone.",
        failed_deliveries_in_a_row=3,
    )  # fmt: skip
    page = client.get(f"/webhooks/{endpoint.pk}/").content.decode()
    assert "The receiver answered 410 Gone." in page
    saved = client.post(
        f"/webhooks/{endpoint.pk}/",
        {"url": "https://93.184.216.35/h", "events": ["job.canceled"], "enabled": "on"},
    )
    assert saved.status_code == 302
    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.events, endpoint.enabled) == (
        "https://93.184.216.35/h", ["job.canceled"], True,
    )  # fmt: skip
    assert endpoint.failed_deliveries_in_a_row == 0
    rotated = client.post(f"/webhooks/{endpoint.pk}/rotate/").content.decode()
    endpoint.refresh_from_db()
    assert f'data-role="secret">{endpoint.secret}<' in rotated
    assert endpoint.previous_secret == old_secret
    assert client.post(f"/webhooks/{endpoint.pk}/delete/").status_code == 302
    assert not Endpoint.objects.exists()


def test_managers_see_and_rotate_the_secret_for_jobs_webhook_url(alice):
    client = signed_in(alice.user)
    body = client.get("/webhooks/").content.decode()
    secret = SigningSecret.objects.get(organization=alice.organization)
    assert f'data-role="org-secret">{secret.secret}<' in body
    client.post("/webhooks/signing-secret/rotate/")
    secret.refresh_from_db()
    assert secret.previous_secret
    assert secret.previous_secret_expires_at is not None
    assert secret.previous_secret_expires_at > timezone.now()


def test_the_docs_show_receivers_how_to_verify_in_python_and_javascript(alice):
    body = signed_in(alice.user).get("/docs/webhooks/").content.decode()
    for expected in (
        "webhook-id", "webhook-timestamp", "webhook-signature", "X-Hark-Signature",
        "X-Gumzo-Signature",
        "from standardwebhooks.webhooks import Webhook", "hmac.new(key, signed, hashlib.sha256)",
        'require("node:crypto")', "crypto.timingSafeEqual", "job.completed", "job_completed",
        "result_url", "Retry-After", "410 Gone", "redirects, which are not followed",
        "Up to 10 attempts",
    ):  # fmt: skip
        assert expected in body, expected


def test_every_webhooks_model_is_in_the_admin(client, alice):
    staff = User.objects.create_superuser(email="staff@example.org", password="x" * 12)
    client.force_login(staff)
    endpoint, _ = endpoint_create(
        organization=alice.organization, actor=None, url="https://93.184.216.34/h"
    )
    delivery = Delivery.objects.create(
        organization=alice.organization, endpoint=endpoint, url=endpoint.url,
        event_type="webhook.test", message_id="msg_x", payload="{}",
    )  # fmt: skip
    Attempt.objects.create(delivery=delivery, number=1, started_at=timezone.now())
    models = [m for m in admin.site._registry if m._meta.app_label == "webhooks"]
    assert {m.__name__ for m in models} == {
        "Endpoint", "SigningSecret", "Delivery", "Attempt", "InboundCallback",
    }  # fmt: skip
    for model in models:
        url = reverse(f"admin:webhooks_{model._meta.model_name}_changelist")
        assert client.get(url, {"q": "alice"}).status_code == 200, url
    change = client.get(reverse("admin:webhooks_endpoint_change", args=[endpoint.pk]))
    assert change.status_code == 200
    assert endpoint.secret not in change.content.decode()


def docs_code(alice, block_id: str) -> str:
    body = signed_in(alice.user).get("/docs/webhooks/").content.decode()
    found = re.search(rf'<code id="{block_id}">(.*?)</code>', body, re.S)
    assert found, block_id
    return html.unescape(found.group(1))


def signed_example() -> tuple[str, bytes, dict[str, str]]:
    secret = secret_generate()
    body = b'{"type":"job.completed","job_id":"550e8400-e29b-41d4-a716-446655440000"}'
    headers = signed_headers(
        secrets=[secret, secret_generate()], message_id="msg_1", timestamp=int(time.time()),
        body=body, event_type="job.completed",
    )  # fmt: skip
    return secret, body, headers


def test_the_python_examples_in_the_docs_verify_real_signatures(alice):
    secret, body, headers = signed_example()
    lower = {k.lower(): v for k, v in headers.items()}
    namespace: dict[str, Any] = {}
    exec(docs_code(alice, "ex-python-hmac"), namespace)  # noqa: S102 - our own docs
    assert namespace["verify"](secret, body, lower)
    assert not namespace["verify"](secret, body + b" ", lower)
    assert not namespace["verify"](secret_generate(), body, lower)
    assert namespace["verify_simple"](secret, body, headers)

    handled: list[Any] = []
    namespace = {"already_processed": lambda _: False, "handle": handled.append}
    exec(docs_code(alice, "ex-python").replace("whsec_…", secret), namespace)  # noqa: S102
    assert namespace["receive"](body, lower) == 200
    assert handled == [json.loads(body)]
    assert namespace["receive"](body.replace(b"completed", b"failed"), lower) == 400


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_javascript_example_in_the_docs_verifies_real_signatures(alice, tmp_path):
    secret, body, headers = signed_example()
    function = docs_code(alice, "ex-js").split("app.post(")[0]
    script = tmp_path / "verify.js"
    script.write_text(
        function
        + "const [secret, body, headers] = JSON.parse(process.argv[2]);\n"
        + "const raw = Buffer.from(body, 'utf8');\n"
        + "console.log(JSON.stringify([verifyHark(secret, raw, headers),"
        + " verifyHark(secret, Buffer.concat([raw, Buffer.from(' ')]), headers)]));\n"
    )
    lower = {k.lower(): v for k, v in headers.items()}
    done = subprocess.run(
        ["node", str(script), json.dumps([secret, body.decode(), lower])],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    assert json.loads(done.stdout) == [True, False]
