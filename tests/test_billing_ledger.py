"""Wallet and ledger behaviour: holds reserve, captures charge once, releases refund."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import available_credits, held_credits, wallet_for
from billing.services import (
    InsufficientCredits,
    InvalidAmount,
    credits_grant,
    hold_capture,
    hold_place,
    hold_release,
)

pytestmark = pytest.mark.django_db


def ledger_sum(organization) -> Decimal:
    total = LedgerEntry.objects.filter(wallet__organization=organization).aggregate(s=Sum("amount"))
    return total["s"] or Decimal("0")


def test_a_new_organization_starts_with_the_signup_grant_in_its_ledger(alice, settings):
    wallet = wallet_for(alice.organization)
    entries = list(LedgerEntry.objects.filter(wallet=wallet))
    assert [e.kind for e in entries] == [EntryKind.GRANT]
    assert entries[0].amount == settings.HARK_SIGNUP_GRANT
    assert wallet.balance == settings.HARK_SIGNUP_GRANT == ledger_sum(alice.organization)


def test_a_hold_reduces_available_credits_without_writing_the_ledger(alice):
    before = LedgerEntry.objects.count()
    hold_place(organization=alice.organization, amount=Decimal("12.50"), reference="job:a")
    assert LedgerEntry.objects.count() == before
    assert held_credits(alice.organization) == Decimal("12.50")
    assert available_credits(alice.organization) == Decimal("47.50")
    assert wallet_for(alice.organization).balance == Decimal("60")


def test_capture_charges_the_actual_cost_once_and_frees_the_rest(alice):
    hold_place(organization=alice.organization, amount=Decimal("10"), reference="job:a")
    entry = hold_capture(reference="job:a", amount=Decimal("7.25"), description="test")
    again = hold_capture(reference="job:a", amount=Decimal("7.25"), description="test")
    assert entry is not None
    assert entry.amount == Decimal("-7.25")
    assert entry.balance_after == Decimal("52.75")
    assert again is None
    assert LedgerEntry.objects.filter(kind=EntryKind.CHARGE).count() == 1
    assert held_credits(alice.organization) == 0
    assert (
        wallet_for(alice.organization).balance == Decimal("52.75") == ledger_sum(alice.organization)
    )
    assert Hold.objects.get(reference="job:a").status == HoldStatus.CAPTURED


def test_release_returns_held_credits_and_writes_no_charge(alice):
    hold_place(organization=alice.organization, amount=Decimal("10"), reference="job:a")
    assert hold_release(reference="job:a") is True
    assert hold_release(reference="job:a") is False
    assert hold_capture(reference="job:a", amount=Decimal("10"), description="late") is None
    assert available_credits(alice.organization) == Decimal("60")
    assert not LedgerEntry.objects.filter(kind=EntryKind.CHARGE).exists()


def test_a_hold_larger_than_available_is_refused_with_the_seed_message(alice):
    hold_place(organization=alice.organization, amount=Decimal("50"), reference="job:a")
    with pytest.raises(InsufficientCredits) as caught:
        hold_place(organization=alice.organization, amount=Decimal("30"), reference="job:b")
    assert caught.value.message == (
        "You have 10 credits remaining but this transcription requires 30 credits."
    )
    assert not Hold.objects.filter(reference="job:b").exists()


def test_capture_beyond_the_hold_takes_only_what_other_credits_cover(alice):
    credits_grant(organization=alice.organization, amount=Decimal("-55"), reason="test")
    hold_place(organization=alice.organization, amount=Decimal("4"), reference="job:a")
    entry = hold_capture(reference="job:a", amount=Decimal("8"), description="long job")
    assert entry is not None
    # 4 held + the 1 credit still available; the remaining 3 are recorded, not charged.
    assert entry.amount == Decimal("-5")
    assert "shortfall of 3" in entry.description
    assert wallet_for(alice.organization).balance == Decimal("0") == ledger_sum(alice.organization)


def test_a_correction_never_takes_the_balance_below_zero(alice):
    with pytest.raises(InvalidAmount, match="below zero"):
        credits_grant(organization=alice.organization, amount=Decimal("-61"), reason="oops")
    entry = credits_grant(organization=alice.organization, amount=Decimal("-60"), reason="fix")
    assert entry.kind == EntryKind.ADJUSTMENT
    assert wallet_for(alice.organization).balance == 0 == ledger_sum(alice.organization)


def test_ledger_rows_cannot_be_changed_or_deleted(alice):
    entry = LedgerEntry.objects.filter(wallet__organization=alice.organization).get()
    entry.amount = Decimal("1000")
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        LedgerEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1000"))
    with pytest.raises(PermissionError):
        LedgerEntry.objects.filter(pk=entry.pk).delete()
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("60")


def test_grant_credits_command_adds_through_the_ledger_and_refuses_going_negative(alice, capsys):
    call_command("grant_credits", "alice@example.org", "15.5", "--reason", "goodwill")
    assert "balance now 75.5" in capsys.readouterr().out
    entry = LedgerEntry.objects.filter(wallet__organization=alice.organization).first()
    assert entry is not None
    assert entry.amount == Decimal("15.5")
    assert entry.description == "goodwill"
    with pytest.raises(CommandError, match="below zero"):
        call_command("grant_credits", "Alice Org", "-100", "--reason", "too much")
    assert (
        wallet_for(alice.organization).balance == Decimal("75.5") == ledger_sum(alice.organization)
    )


def test_grant_credits_requires_a_known_target(db):
    with pytest.raises(CommandError, match="No organization"):
        call_command("grant_credits", "nobody@example.org", "5", "--reason", "x")
