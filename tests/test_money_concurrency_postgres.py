"""Money under real concurrency, over HTTP, on PostgreSQL (SQLite serializes writers and
ignores row locks, so it cannot show what these prove): submissions racing for the last
credits, capture/release/cancel racing on one job, duplicate Stripe events arriving
together, and one Idempotency-Key sent many times at once."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django_q.models import OrmQ

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry, StripeEvent, TopUp
from billing.selectors import wallet_for
from billing.services import credits_grant
from jobs.lifecycle.transcription import job_claim, job_complete, job_fail
from jobs.models import JobStatus, TranscriptionJob
from tests.audio_fixtures import SHARED_AUDIO, transcribe
from tests.money_helpers import (
    SECRET_KEY,
    WEBHOOK_SECRET,
    assert_books_balance,
    checkout_event,
    race,
    signed,
    stripe_stub,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
JFK = SHARED_AUDIO / "jfk.flac"  # 11 s: 0.19 credits
PRICE = Decimal("0.19")


@pytest.fixture(autouse=True)
def on_postgresql() -> None:
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://… (bin/test does)"


def submit(persona: Any, **headers: str) -> Any:
    with JFK.open("rb") as handle:
        return persona.client().post("/api/v1/transcribe/", {"file": handle},
                                     format="multipart", **headers)  # fmt: skip


def stored_files(media_root: Path) -> list[Path]:
    return [p for p in media_root.rglob("*") if p.is_file()]


def test_twenty_simultaneous_uploads_against_a_wallet_covering_seven_accept_exactly_seven(
    alice, isolated_media
):
    credits_grant(organization=alice.organization, amount=7 * PRICE - 60, reason="leave 7 jobs")

    responses = race(20, lambda i: submit(alice))

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 7 + [402] * 13
    for refused in (r for r in responses if r.status_code == 402):
        body = refused.json()
        assert body["error"] == "insufficient_credits"
        assert re.fullmatch(r"You have (0|0\.\d+) credits remaining but this transcription "
                            r"requires 0\.19 credits\.", body["message"])  # fmt: skip
    accepted = {r.json()["id"] for r in responses if r.status_code == 200}
    assert {str(pk) for pk in TranscriptionJob.objects.values_list("pk", flat=True)} == accepted
    assert Hold.objects.filter(status=HoldStatus.ACTIVE).count() == 7
    assert OrmQ.objects.count() == 7
    assert len(stored_files(isolated_media)) == 7
    wallet = wallet_for(alice.organization)
    assert (wallet.balance, wallet.held, wallet.available) == (7 * PRICE, 7 * PRICE, Decimal(0))
    assert_books_balance(wallet)
    call_command("audit_wallets")


def test_capture_release_and_cancel_racing_on_one_job_settle_to_one_outcome(alice):
    result, _ = transcribe(JFK)
    outcomes: dict[str, int] = {}
    for _round in range(8):
        job_id = submit(alice).json()["id"]
        claim = job_claim(job_id)
        assert claim is not None
        client = alice.client()

        def settle(i: int, claim=claim, client=client, job_id=job_id):
            if i % 3 == 0:
                return job_complete(claim, result)
            if i % 3 == 1:
                return client.post(f"/api/v1/transcribe/{job_id}/cancel/").status_code
            return job_fail(claim.job, "The engine stopped.", attempt=claim.attempt)

        race(6, settle)
        job = TranscriptionJob.objects.get(pk=job_id)
        hold = Hold.objects.get(reference=job.billing_reference)
        charges = LedgerEntry.objects.filter(kind=EntryKind.CHARGE, reference=hold.reference)
        outcomes[job.status] = outcomes.get(job.status, 0) + 1
        if job.status == JobStatus.COMPLETED:
            assert hold.status == HoldStatus.CAPTURED
            assert [c.amount for c in charges] == [-PRICE]
            assert job.credits_used == PRICE
        else:
            assert job.status in (JobStatus.CANCELED, JobStatus.FAILED)
            assert hold.status == HoldStatus.RELEASED
            assert not charges.exists()
    wallet = wallet_for(alice.organization)
    assert wallet.held == 0
    assert wallet.balance == 60 - PRICE * outcomes.get(JobStatus.COMPLETED, 0)
    assert_books_balance(wallet)
    call_command("audit_wallets")


def test_duplicate_stripe_events_arriving_together_credit_the_payment_once(alice, settings):
    with stripe_stub() as stub:
        settings.HARK_STRIPE_SECRET_KEY = SECRET_KEY
        settings.HARK_STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.HARK_STRIPE_API_BASE = stub.url
        settings.HARK_CREDIT_PACKS = {"100": Decimal("10")}
        browser = Client()
        browser.force_login(alice.user)
        assert browser.post("/wallet/top-up/", {"pack": "100"}).status_code == 303
    topup = TopUp.objects.get()

    def deliver(i: int):
        # Stripe retrying one event, and the second event of the same payment, at once.
        if i % 2:
            event_id, event_type = "evt_same", "checkout.session.completed"
        else:
            event_id, event_type = f"evt_{i}", "checkout.session.async_payment_succeeded"
        event = checkout_event(
            event_id=event_id,
            session_id=topup.checkout_session_id or "",
            topup_id=str(topup.pk),
            amount=1000,
            event_type=event_type,
        )
        body, header = signed(event)
        response = Client().post("/webhooks/stripe/", data=body, content_type="application/json",
                                 HTTP_STRIPE_SIGNATURE=header)  # fmt: skip
        return response.status_code, response.json()["outcome"]

    results = race(16, deliver)

    assert {status for status, _ in results} == {200}
    assert [outcome for _, outcome in results].count("credited") == 1
    assert LedgerEntry.objects.filter(kind=EntryKind.TOPUP).count() == 1
    assert StripeEvent.objects.count() == 9  # evt_same once, and evt_0 … evt_14 (even)
    wallet = wallet_for(alice.organization)
    assert wallet.balance == Decimal("160")
    assert_books_balance(wallet)
    call_command("audit_wallets")


def test_one_idempotency_key_sent_ten_times_at_once_makes_one_job(alice):
    responses = race(10, lambda i: submit(alice, HTTP_IDEMPOTENCY_KEY="burst-1"))
    fresh = [r for r in responses if r.status_code == 200 and "Idempotent-Replayed" not in r]
    assert len(fresh) == 1
    assert {r.status_code for r in responses} <= {200, 409}
    assert any(r.status_code == 409 for r in responses)
    assert TranscriptionJob.objects.count() == 1
    assert Hold.objects.count() == 1
    assert_books_balance(wallet_for(alice.organization))
