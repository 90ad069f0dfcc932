"""Wallet moves under real concurrency. PostgreSQL only: SQLite serializes writers and
ignores row locks, so it cannot show what these tests prove."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.db import connection, connections
from django.db.models import Sum

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import available_credits, wallet_for
from billing.services import (
    InsufficientCredits,
    credits_grant,
    hold_capture,
    hold_place,
    hold_release,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def on_postgresql() -> None:
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://… (bin/test does)"


def race(count: int, action: Callable[[int], object]) -> list[object]:
    """Run ``action(i)`` in ``count`` threads released at the same instant."""
    barrier = threading.Barrier(count)

    def run(i: int) -> object:
        barrier.wait()
        try:
            return action(i)
        except Exception as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_twenty_concurrent_holds_on_a_wallet_covering_seven_accept_exactly_seven(alice):
    credits_grant(organization=alice.organization, amount=Decimal("-53"), reason="leave 7")
    outcomes = race(
        20,
        lambda i: hold_place(organization=alice.organization, amount=Decimal("1"),
                             reference=f"job:{i}"),
    )  # fmt: skip
    accepted = [o for o in outcomes if isinstance(o, Hold)]
    refused = [o for o in outcomes if isinstance(o, InsufficientCredits)]
    assert len(accepted) == 7
    assert len(refused) == 13
    assert available_credits(alice.organization) == 0
    wallet = wallet_for(alice.organization)
    ledger = LedgerEntry.objects.filter(wallet=wallet).aggregate(s=Sum("amount"))["s"]
    assert wallet.balance == ledger == Decimal("7")


def test_capture_and_release_racing_on_one_hold_settle_to_one_outcome(alice):
    for round_ in range(10):
        reference = f"job:race-{round_}"
        hold_place(organization=alice.organization, amount=Decimal("2"), reference=reference)

        def settle(i: int, reference: str = reference) -> object:
            if i % 2:
                return hold_release(reference=reference)
            return hold_capture(reference=reference, amount=Decimal("2"), description="race")

        race(6, settle)
        hold = Hold.objects.get(reference=reference)
        charges = LedgerEntry.objects.filter(kind=EntryKind.CHARGE, reference=reference)
        if hold.status == HoldStatus.CAPTURED:
            assert charges.count() == 1
        else:
            assert hold.status == HoldStatus.RELEASED
            assert charges.count() == 0
    wallet = wallet_for(alice.organization)
    ledger = LedgerEntry.objects.filter(wallet=wallet).aggregate(s=Sum("amount"))["s"]
    assert wallet.balance == ledger
    assert available_credits(alice.organization) == wallet.balance
