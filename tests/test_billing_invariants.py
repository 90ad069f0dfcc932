"""Ledger invariants: the audit command, captures beyond the hold, refunds and staff
adjustments (admin actions naming who and why), the database's own guard rails, and
the low-balance banner and email."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from accounts.models import User
from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry, Wallet
from billing.selectors import wallet_for
from billing.services import (
    InvalidAmount,
    charge_refund,
    credits_grant,
    hold_capture,
    hold_place,
    hold_release,
)
from tests.conftest import REPO_ROOT, database_url
from tests.money_helpers import assert_books_balance

pytestmark = pytest.mark.django_db


def charged(alice, reference: str = "job:a", amount: str = "4") -> LedgerEntry:
    hold_place(organization=alice.organization, amount=Decimal(amount), reference=reference)
    entry = hold_capture(reference=reference, amount=Decimal(amount), description="Transcription",
                         seconds=240.0, product="local")  # fmt: skip
    assert entry is not None
    return entry


def audit_exit_code() -> tuple[int, str]:
    """``manage.py audit_wallets`` as an operator runs it, against the test database."""
    result = subprocess.run(
        [sys.executable, "manage.py", "audit_wallets"], cwd=REPO_ROOT, capture_output=True,
        text=True, timeout=120, env={**os.environ, "DATABASE_URL": database_url()},
    )  # fmt: skip
    return result.returncode, result.stdout + result.stderr


@pytest.mark.django_db(transaction=True)
def test_audit_wallets_passes_on_sound_books_and_exits_non_zero_on_any_mismatch(alice, bob):
    charged(alice)
    # Not "job:…": a job hold with no job behind it is itself reported (test_admin_jobs).
    hold_place(organization=bob.organization, amount=Decimal("3"), reference="other:b")
    code, output = audit_exit_code()
    assert code == 0, output
    assert "Audited 2 wallet(s)" in output

    # Someone edits a balance behind the services' back.
    Wallet.objects.filter(organization=alice.organization).update(balance=Decimal("999"))
    code, output = audit_exit_code()
    assert code == 1
    assert "Alice Org" in output
    assert "ledger sums to 56" in output
    assert "Bob Org" not in output


def test_the_audit_finds_held_drift_and_double_charges(alice):
    entry = charged(alice)
    call_command("audit_wallets")  # sound books: no error

    Wallet.objects.filter(pk=entry.wallet_id).update(held=Decimal("1"))
    with pytest.raises(CommandError, match="1 problem"):
        call_command("audit_wallets")
    Wallet.objects.filter(pk=entry.wallet_id).update(held=Decimal("0"))

    # A second charge for the same job, posted without its hold.
    wallet = wallet_for(alice.organization)
    LedgerEntry.objects.create(wallet=wallet, kind=EntryKind.CHARGE, amount=Decimal("-4"),
                               balance_after=wallet.balance - 4, description="again",
                               reference="job:a")  # fmt: skip
    Wallet.objects.filter(pk=wallet.pk).update(balance=wallet.balance - 4)
    with pytest.raises(CommandError) as caught:
        call_command("audit_wallets")
    assert "problem" in str(caught.value)


def test_a_job_longer_than_its_hold_is_charged_the_difference_when_credits_cover_it(alice):
    hold_place(organization=alice.organization, amount=Decimal("4"), reference="job:a")
    entry = hold_capture(reference="job:a", amount=Decimal("6.5"), description="long job")
    assert entry is not None
    assert entry.amount == Decimal("-6.5")
    hold = Hold.objects.get(reference="job:a")
    assert (hold.captured_amount, hold.shortfall) == (Decimal("6.5"), Decimal("0"))
    assert "shortfall" not in entry.description
    assert_books_balance(wallet_for(alice.organization))


def test_the_difference_is_never_taken_from_credits_held_for_other_work(alice):
    credits_grant(organization=alice.organization, amount=Decimal("-50"), reason="leave 10")
    hold_place(organization=alice.organization, amount=Decimal("4"), reference="job:a")
    hold_place(organization=alice.organization, amount=Decimal("5"), reference="job:b")
    # 1 credit is free; job a turns out to cost 8 against its hold of 4.
    entry = hold_capture(reference="job:a", amount=Decimal("8"), description="long job")
    assert entry is not None
    assert entry.amount == Decimal("-5")
    assert "shortfall of 3 not charged" in entry.description
    hold = Hold.objects.get(reference="job:a")
    assert (hold.captured_amount, hold.shortfall) == (Decimal("5"), Decimal("3"))
    wallet = wallet_for(alice.organization)
    assert (wallet.balance, wallet.held, wallet.available) == (
        Decimal("5"), Decimal("5"), Decimal("0"))  # fmt: skip
    # Job b still has every credit it was promised.
    assert hold_capture(reference="job:b", amount=Decimal("5"), description="b") is not None
    assert wallet_for(alice.organization).balance == 0
    assert_books_balance(wallet)


def test_a_partial_then_whole_refund_names_who_and_why_and_never_exceeds_the_charge(alice):
    charge = charged(alice, amount="4")
    staff = User.objects.create_superuser(email="staff@example.org", password="x" * 12)

    part = charge_refund(
        charge_id=charge.pk, amount=Decimal("1.5"), reason="bad audio", actor=staff
    )
    rest = charge_refund(charge_id=charge.pk, amount=None, reason="still bad", actor=staff)

    assert (part.kind, part.amount, part.created_by) == (EntryKind.REFUND, Decimal("1.5"), staff)
    assert part.description == "Refund: bad audio"
    assert part.refund_of == charge
    assert part.reference == charge.reference == "job:a"
    assert part.product == "local"
    assert rest.amount == Decimal("2.5")
    with pytest.raises(InvalidAmount, match="refunded in full"):
        charge_refund(charge_id=charge.pk, amount=Decimal("0.01"), reason="more", actor=staff)
    assert wallet_for(alice.organization).balance == Decimal("60")
    assert_books_balance(wallet_for(alice.organization))
    call_command("audit_wallets")


def test_refunds_refuse_bad_requests(alice):
    charge = charged(alice, amount="4")
    grant = LedgerEntry.objects.get(kind=EntryKind.GRANT)
    with pytest.raises(InvalidAmount, match="Only charges"):
        charge_refund(charge_id=grant.pk, amount=None, reason="x", actor=None)
    with pytest.raises(InvalidAmount, match="Only 4 credits"):
        charge_refund(charge_id=charge.pk, amount=Decimal("5"), reason="x", actor=None)
    with pytest.raises(InvalidAmount, match="reason"):
        charge_refund(charge_id=charge.pk, amount=None, reason=" ", actor=None)
    with pytest.raises(InvalidAmount, match="positive"):
        charge_refund(charge_id=charge.pk, amount=Decimal("-1"), reason="x", actor=None)
    assert not LedgerEntry.objects.filter(kind=EntryKind.REFUND).exists()


def test_the_database_refuses_holding_more_than_the_balance(alice):
    wallet = wallet_for(alice.organization)
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(pk=wallet.pk).update(held=Decimal("61"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Wallet.objects.filter(pk=wallet.pk).update(balance=Decimal("-1"))
    wallet = wallet_for(alice.organization)
    top = LedgerEntry(wallet=wallet, kind=EntryKind.TOPUP, amount=1, balance_after=61,
                      description="pay", reference="topup:x")  # fmt: skip
    top.save()
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(
            wallet=wallet,
            kind=EntryKind.TOPUP,
            amount=1,
            balance_after=62,
            description="pay",
            reference="topup:x",
        )


def test_release_and_capture_keep_held_in_step_with_the_holds(alice):
    for n in range(3):
        hold_place(organization=alice.organization, amount=Decimal("2"), reference=f"job:{n}")
    assert wallet_for(alice.organization).held == Decimal("6")
    assert hold_release(reference="job:0")
    assert not hold_release(reference="job:0")
    hold_capture(reference="job:1", amount=Decimal("1.25"), description="x")
    wallet = wallet_for(alice.organization)
    assert (wallet.held, wallet.balance) == (Decimal("2"), Decimal("58.75"))
    assert Hold.objects.get(reference="job:0").status == HoldStatus.RELEASED
    assert_books_balance(wallet)


# --- admin actions ----------------------------------------------------------------------


def admin_client(*, superuser: bool = True) -> tuple[Client, User]:
    if superuser:
        staff = User.objects.create_superuser(email="staff@example.org", password="x" * 12)
    else:
        staff = User.objects.create_user(email="clerk@example.org", password="x" * 12,
                                         is_staff=True)  # fmt: skip
        staff.user_permissions.add(Permission.objects.get(codename="view_ledgerentry"),
                                   Permission.objects.get(codename="view_wallet"))  # fmt: skip
    client = Client()
    client.force_login(staff)
    return client, staff


def test_staff_refund_a_charge_from_the_admin_with_a_reason(alice):
    charge = charged(alice, amount="4")
    client, staff = admin_client()
    url = reverse("admin:billing_ledgerentry_changelist")
    selection = {"action": "refund_charges", "_selected_action": [charge.pk]}

    confirm = client.post(url, selection)
    assert confirm.status_code == 200
    assert "Refund charges" in confirm.content.decode()
    assert not LedgerEntry.objects.filter(kind=EntryKind.REFUND).exists()

    done = client.post(url, {**selection, "apply": "1", "amount": "1.25",
                             "reason": "Engine misheard"}, follow=True)  # fmt: skip
    assert "Refunded 1.25 credits" in done.content.decode()
    refund = LedgerEntry.objects.get(kind=EntryKind.REFUND)
    assert (refund.amount, refund.created_by, refund.refund_of) == (Decimal("1.25"), staff, charge)
    assert refund.description == "Refund: Engine misheard"
    assert wallet_for(alice.organization).balance == Decimal("57.25")


def test_staff_adjust_a_wallet_from_the_admin_and_cannot_go_below_zero(alice):
    client, staff = admin_client()
    wallet = wallet_for(alice.organization)
    url = reverse("admin:billing_wallet_changelist")
    base = {"action": "adjust_credits", "_selected_action": [wallet.pk], "apply": "1"}

    client.post(url, {**base, "amount": "-10", "reason": "Duplicate sign-up grant"})
    refused = client.post(url, {**base, "amount": "-100", "reason": "Too much"}, follow=True)
    missing_reason = client.post(url, {**base, "amount": "5", "reason": ""})

    assert "below zero" in refused.content.decode()
    assert missing_reason.status_code == 200  # the form again, asking for a reason
    entry = LedgerEntry.objects.get(kind=EntryKind.ADJUSTMENT)
    assert (entry.amount, entry.created_by, entry.description) == (
        Decimal("-10"), staff, "Duplicate sign-up grant")  # fmt: skip
    assert wallet_for(alice.organization).balance == Decimal("50")
    assert LedgerEntry.objects.filter(wallet=wallet).count() == 2


def test_staff_without_the_money_permission_are_not_offered_the_actions(alice):
    charge = charged(alice)
    client, _ = admin_client(superuser=False)
    page = client.get(reverse("admin:billing_ledgerentry_changelist")).content.decode()
    assert "refund_charges" not in page
    client.post(reverse("admin:billing_ledgerentry_changelist"),
                {"action": "refund_charges", "_selected_action": [charge.pk], "apply": "1",
                 "reason": "sneaky"})  # fmt: skip
    assert not LedgerEntry.objects.filter(kind=EntryKind.REFUND).exists()


# --- low balance --------------------------------------------------------------------------


def test_crossing_the_low_balance_threshold_sends_one_email_per_crossing(
    alice, settings, django_capture_on_commit_callbacks
):
    settings.HARK_LOW_BALANCE_THRESHOLD = Decimal("10")
    with django_capture_on_commit_callbacks(execute=True):
        credits_grant(organization=alice.organization, amount=Decimal("-45"), reason="x")
    assert mail.outbox == []  # 15 left: above the threshold

    with django_capture_on_commit_callbacks(execute=True):
        hold_place(organization=alice.organization, amount=Decimal("6"), reference="job:a")
    with django_capture_on_commit_callbacks(execute=True):
        hold_place(organization=alice.organization, amount=Decimal("1"), reference="job:b")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert "running low" in message.subject
    assert "9 credits available" in message.body

    with django_capture_on_commit_callbacks(execute=True):
        hold_release(reference="job:a")  # back to 14: the flag re-arms
        hold_release(reference="job:b")
    assert wallet_for(alice.organization).low_balance_notified_at is None
    with django_capture_on_commit_callbacks(execute=True):
        credits_grant(organization=alice.organization, amount=Decimal("-7"), reason="y")
    assert len(mail.outbox) == 2


def test_the_low_balance_banner_shows_below_the_threshold_only(alice, settings):
    client = Client()
    client.force_login(alice.user)
    settings.HARK_LOW_BALANCE_THRESHOLD = Decimal("5")
    assert 'data-role="low-balance"' not in client.get("/").content.decode()
    credits_grant(organization=alice.organization, amount=Decimal("-57"), reason="spend")
    page = client.get("/").content.decode()
    assert 'data-role="low-balance"' in page
    assert "3 credits left" in page
    settings.HARK_LOW_BALANCE_THRESHOLD = Decimal("0")
    assert 'data-role="low-balance"' not in client.get("/wallet/").content.decode()
