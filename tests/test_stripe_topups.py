"""Stripe top-ups: Checkout through a loopback server standing in for Stripe's API, and
the signed webhook, with signatures made by stripe-python's own generator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from billing.models import EntryKind, LedgerEntry, StripeEvent, TopUp, TopUpStatus
from billing.selectors import wallet_for
from tests.conftest import REPO_ROOT
from tests.money_helpers import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    assert_books_balance,
    checkout_event,
    signed,
    stripe_stub,
)

pytestmark = pytest.mark.django_db
TOLERANCE = 300


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def stripe_api(settings):
    with stripe_stub() as stub:
        settings.HARK_STRIPE_SECRET_KEY = SECRET_KEY
        settings.HARK_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.HARK_STRIPE_API_BASE = stub.url
        settings.HARK_STRIPE_WEBHOOK_TOLERANCE_SECONDS = TOLERANCE
        settings.HARK_CREDIT_PACKS = {"100": Decimal("10"), "500": Decimal("45")}
        yield stub


def start_topup(alice, pack: str = "100") -> TopUp:
    response = signed_in(alice.user).post("/wallet/top-up/", {"pack": pack})
    topup = TopUp.objects.get()
    assert response.status_code == 303
    assert response["Location"] == topup.checkout_url
    return topup


def post_event(body: str, header: str | None) -> Any:
    client = Client()
    if header is None:
        return client.post("/webhooks/stripe/", data=body, content_type="application/json")
    return client.post("/webhooks/stripe/", data=body, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=header)  # fmt: skip


def paid_event(topup: TopUp, event_id: str = "evt_1", **overrides: Any) -> dict[str, Any]:
    return checkout_event(
        event_id=event_id,
        session_id=topup.checkout_session_id or "",
        topup_id=str(topup.pk),
        amount=topup.amount_minor,
        **overrides,
    )


def test_without_keys_the_wallet_shows_packs_disabled_and_names_no_settings(alice, settings):
    settings.HARK_STRIPE_SECRET_KEY = settings.HARK_STRIPE_WEBHOOK_SECRET = ""
    client = signed_in(alice.user)

    body = client.get("/wallet/").content.decode()
    assert 'data-role="topup-disabled"' in body
    assert "Online top-ups are not available here yet" in body
    assert "HARK_" not in body
    assert 'data-pack="100"' in body
    assert " disabled " in body

    response = client.post("/wallet/top-up/", {"pack": "100"}, follow=True)
    assert response.status_code == 200
    assert "Online top-ups are not available here yet" in response.content.decode()
    assert not TopUp.objects.exists()


def test_buying_a_pack_opens_a_checkout_session_on_stripes_api(alice, stripe_api):
    topup = start_topup(alice)

    assert topup.status == TopUpStatus.PENDING
    assert topup.credits == 100
    assert topup.amount_minor == 1000
    assert topup.currency == "usd"
    assert topup.created_by == alice.user
    assert topup.checkout_session_id == "cs_test_0001"
    [request] = stripe_api.requests
    assert request.path == "/v1/checkout/sessions"
    assert request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    assert request.headers["idempotency-key"] == f"hark-topup-{topup.pk}"
    form = request.form
    assert form["mode"] == ["payment"]
    assert form["client_reference_id"] == [str(topup.pk)]
    assert form["line_items[0][price_data][unit_amount]"] == ["1000"]
    assert form["line_items[0][price_data][currency]"] == ["usd"]
    assert form["success_url"] == [
        "http://testserver/wallet/top-up/success/?session_id={CHECKOUT_SESSION_ID}"
    ]
    assert form["cancel_url"] == [f"http://testserver/wallet/top-up/cancel/?topup={topup.pk}"]
    assert form["customer_email"] == ["alice@example.org"]
    # Nothing is credited until Stripe says so.
    assert wallet_for(alice.organization).balance == Decimal("60")


def test_stripe_refusing_the_session_shows_a_message_and_credits_nothing(alice, stripe_api):
    stripe_api.fail_with = (400, {"error": {"type": "invalid_request_error",
                                            "message": "Invalid currency"}})  # fmt: skip
    response = signed_in(alice.user).post("/wallet/top-up/", {"pack": "100"}, follow=True)
    assert "could not be opened" in response.content.decode()
    assert TopUp.objects.get().status == TopUpStatus.FAILED
    assert wallet_for(alice.organization).balance == Decimal("60")


def test_a_signed_paid_event_credits_the_pack_once_with_a_receipt(alice, stripe_api):
    topup = start_topup(alice)
    body, header = signed(paid_event(topup))

    first = post_event(body, header)
    again = post_event(body, header)
    other_event = post_event(*signed(paid_event(
        topup, "evt_2", event_type="checkout.session.async_payment_succeeded")))  # fmt: skip

    assert first.status_code == again.status_code == other_event.status_code == 200
    assert first.json() == {"received": True, "outcome": "credited"}
    assert again.json()["outcome"] == "duplicate"
    assert other_event.json()["outcome"] == "already_credited"
    [entry] = LedgerEntry.objects.filter(kind=EntryKind.TOPUP)
    assert entry.amount == Decimal("100")
    assert entry.reference == f"topup:{topup.pk}"
    assert entry.created_by == alice.user
    assert "paid 10.00 USD" in entry.description
    topup.refresh_from_db()
    assert topup.status == TopUpStatus.PAID
    assert topup.ledger_entry == entry
    assert topup.paid_at is not None
    wallet = wallet_for(alice.organization)
    assert wallet.balance == Decimal("160")
    assert_books_balance(wallet)
    assert list(StripeEvent.objects.order_by("received_at").values_list("event_id", "outcome")) == [
        ("evt_1", "credited"), ("evt_2", "already_credited")]  # fmt: skip
    client = signed_in(alice.user)
    wallet_page = client.get("/wallet/").content.decode()
    assert f'data-topup="{topup.pk}"' in wallet_page
    assert "Top-up: 100 credits, paid 10.00 USD" in wallet_page
    success = client.get(f"/wallet/top-up/success/?session_id={topup.checkout_session_id}")
    assert "100 credits were added" in success.content.decode()


@pytest.mark.parametrize(
    ("case", "make"),
    [
        ("unsigned", lambda body, header: (body, None)),
        ("garbage header", lambda body, header: (body, "nonsense")),
        ("tampered body", lambda body, header: (body.replace('"amount_total": 1000',
                                                             '"amount_total": 9'), header)),
        ("other secret", lambda body, header: signed(json.loads(body),
                                                     secret="whsec_someone_else")),
        ("stale", lambda body, header: signed(json.loads(body),
                                              at=int(time.time()) - TOLERANCE - 30)),
        ("future-dated", lambda body, header: signed(json.loads(body),
                                                     at=int(time.time()) + TOLERANCE + 30)),
    ],
)  # fmt: skip
def test_unverifiable_events_are_refused_with_400_and_change_nothing(alice, stripe_api, case, make):
    topup = start_topup(alice)
    body, header = make(*signed(paid_event(topup)))

    response = post_event(body, header)

    assert response.status_code == 400, case
    assert response.json()["error"] == "invalid_signature"
    assert not LedgerEntry.objects.filter(kind=EntryKind.TOPUP).exists()
    assert not StripeEvent.objects.exists()
    assert TopUp.objects.get().status == TopUpStatus.PENDING


def test_signatures_within_the_tolerance_on_either_side_of_now_are_accepted(alice, stripe_api):
    topup = start_topup(alice)
    early = post_event(*signed(paid_event(topup, "evt_a"), at=int(time.time()) - TOLERANCE + 30))
    late = post_event(*signed(paid_event(topup, "evt_b"), at=int(time.time()) + TOLERANCE - 30))
    assert early.status_code == late.status_code == 200
    assert LedgerEntry.objects.filter(kind=EntryKind.TOPUP).count() == 1


def test_a_payment_still_processing_is_credited_when_stripe_confirms_it(alice, stripe_api):
    topup = start_topup(alice)
    pending = post_event(*signed(paid_event(topup, "evt_1", payment_status="unpaid")))
    assert pending.json()["outcome"] == "awaiting_payment"
    assert wallet_for(alice.organization).balance == Decimal("60")

    confirmed = post_event(*signed(paid_event(
        topup, "evt_2", event_type="checkout.session.async_payment_succeeded")))  # fmt: skip
    assert confirmed.json()["outcome"] == "credited"
    assert wallet_for(alice.organization).balance == Decimal("160")


def test_a_payment_for_a_different_amount_is_not_credited(alice, stripe_api):
    topup = start_topup(alice)
    event = paid_event(topup)
    event["data"]["object"]["amount_total"] = 1
    response = post_event(*signed(event))
    assert response.json()["outcome"] == "amount_mismatch"
    assert wallet_for(alice.organization).balance == Decimal("60")
    assert TopUp.objects.get().status == TopUpStatus.PENDING


def test_an_expired_session_is_marked_and_credits_nothing(alice, stripe_api):
    topup = start_topup(alice)
    event = paid_event(
        topup, "evt_x", event_type="checkout.session.expired", payment_status="unpaid"
    )
    response = post_event(*signed(event))
    assert response.json()["outcome"] == "expired"
    assert TopUp.objects.get().status == TopUpStatus.EXPIRED
    assert wallet_for(alice.organization).balance == Decimal("60")


def test_other_event_types_are_acknowledged_and_ignored(alice, stripe_api):
    event = {"id": "evt_i", "object": "event", "type": "customer.created",
             "data": {"object": {"id": "cus_1", "object": "customer"}}}  # fmt: skip
    response = post_event(*signed(event))
    assert response.json() == {"received": True, "outcome": "ignored"}


def test_the_webhook_refuses_everything_when_stripe_is_not_configured(alice, settings):
    settings.HARK_STRIPE_SECRET_KEY = settings.HARK_STRIPE_WEBHOOK_SECRET = ""
    event = checkout_event(event_id="evt_1", session_id="cs_1", topup_id="x", amount=1000)
    response = post_event(*signed(event))
    assert response.status_code == 400
    assert not StripeEvent.objects.exists()


def test_the_cancel_page_says_no_payment_was_taken_and_hides_other_orgs(alice, bob, stripe_api):
    topup = start_topup(alice)
    page = signed_in(alice.user).get(f"/wallet/top-up/cancel/?topup={topup.pk}")
    assert "No payment was taken" in page.content.decode()
    assert signed_in(bob.user).get(f"/wallet/top-up/cancel/?topup={topup.pk}").status_code == 404
    assert signed_in(bob.user).get("/wallet/top-up/cancel/?topup=nope").status_code == 404


@pytest.mark.parametrize("present", ["HARK_STRIPE_SECRET_KEY", "HARK_STRIPE_WEBHOOK_SECRET"])
def test_half_configured_stripe_refuses_to_start(present, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARK_STRIPE")}
    env.update({present: "sk_or_whsec_test", "HARK_VAR_DIR": str(tmp_path)})
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=REPO_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode != 0
    assert "Stripe is half configured" in result.stderr
