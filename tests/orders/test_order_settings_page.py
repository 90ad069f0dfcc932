"""The order API settings page: the global callback URL (SSRF-guarded), a test callback
whose attempts are listed there and in the admin, and the order prices on the pricing
page, including ``HARK_ORDER_PRICES`` overrides."""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from orders.models import Order, OrderCallback, OrderSettings
from orders.services.callbacks import callback_attempt
from orders.services.fulfilment import order_finish
from orders.services.intake import OrderRequest, order_place
from tests.orders.conftest import form_fields
from tests.webhook_receiver import Reply, receiving

pytestmark = pytest.mark.django_db(transaction=True)


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_owner_sets_the_callback_url_and_sends_a_test_callback(alice, settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    page = signed_in(alice.user)
    with receiving([Reply(200, b"ok")]) as receiver:
        response = page.post("/settings/orders-api/", {"callback_url": receiver.url("/gt")})
        assert response.status_code == 302
        assert OrderSettings.objects.get(organization=alice.organization).callback_url == (
            receiver.url("/gt")
        )
        assert page.post("/settings/orders-api/test/").status_code == 302
        callback = OrderCallback.objects.get(organization=alice.organization)
        assert callback_attempt(callback.pk, now=timezone.now()) is True
    assert b'name="mode"\r\n\r\ntest' in receiver.requests[0].body
    # Its sample's URL is absolute and works as a callback handler would use it: with
    # &format=json appended and no credential.
    sample = form_fields(receiver.requests[0].body, receiver.requests[0].headers["content-type"])
    url = sample["transcription_url"]
    assert url == "http://testserver/api/v4/test-file/transcriptions?mode=test", url
    as_json = Client().get(url.removeprefix("http://testserver") + "&format=json")
    assert as_json.status_code == 200
    assert as_json.json()
    html = page.get("/settings/orders-api/").content.decode()
    assert receiver.url("/gt") in html
    assert "answered ok" in html
    admin = User.objects.create_superuser(email="staff@example.org", password="x")
    listed = signed_in(admin).get(f"/admin/orders/ordercallback/{callback.pk}/change/")
    assert listed.status_code == 200
    assert b"Succeeded" in listed.content or b"succeeded" in listed.content


def test_a_callback_url_the_guard_refuses_is_not_saved(alice):
    response = signed_in(alice.user).post(
        "/settings/orders-api/", {"callback_url": "http://127.0.0.1:9/x"}
    )
    assert response.status_code == 400
    assert "not allowed" in response.content.decode()
    assert not OrderSettings.objects.exists()


def test_a_member_sees_the_url_but_cannot_change_it_or_send_tests(bob, charlie):
    page = signed_in(charlie)
    assert page.get("/settings/orders-api/").status_code == 200
    response = page.post("/settings/orders-api/", {"callback_url": "https://93.184.216.34/gt"})
    assert response.status_code == 403
    assert page.post("/settings/orders-api/test/").status_code == 403
    assert not OrderSettings.objects.exists()
    assert not OrderCallback.objects.exists()


def test_an_order_without_its_own_callback_url_calls_back_the_global_one(alice, settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    from tests.audio_fixtures import SHARED_AUDIO
    from tests.upstreams.loopback import Reply as FileReply
    from tests.upstreams.media import MediaHost

    with MediaHost().running() as host, receiving([Reply(500, b"")] * 20) as receiver:
        url = host.serve("/a.flac", FileReply(200, (SHARED_AUDIO / "jfk.flac").read_bytes()))
        OrderSettings.objects.create(organization=alice.organization, callback_url=receiver.url())
        placed = order_place(
            organization=alice.organization,
            request=OrderRequest(type="captions", mode="live", url=url, language="english"),
            actor=alice.user,
        )
        assert isinstance(placed.order, Order)
        order_finish(placed.order)
        callback = OrderCallback.objects.get(order=placed.order)
        assert callback.url == receiver.url()
        # A receiver that never answers ok gets exactly ten attempts.
        clock, rng = timezone.now(), random.Random(3)
        for _ in range(15):
            callback_attempt(callback.pk, now=clock, rng=rng)
            clock += timedelta(hours=1)
        assert len(receiver.requests) == 10
    callback.refresh_from_db()
    assert callback.status == "failed"
    assert callback.tries.count() == 10


def test_the_pricing_page_shows_order_prices_with_overrides(client, settings, db):
    settings.HARK_ORDER_PRICES = {"transcriptions": Decimal("2.25")}
    html = client.get("/pricing/").content.decode()
    assert 'data-order-price="transcriptions"' in html
    assert "2.25 per minute" in html
    assert "0.02 per word" in html
