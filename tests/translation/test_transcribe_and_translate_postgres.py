"""The order's translation share under real concurrency, on PostgreSQL (SQLite ignores
row locks): completing a job releases the translation's estimate and holds its real price
in one transaction under the wallet's lock, so nothing racing for the credits can take
them in between."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection

from billing.models import HoldStatus
from billing.selectors import wallet_for
from billing.services import InsufficientCredits, credits_grant, hold_place
from jobs.lifecycle.transcription import job_claim, job_complete
from jobs.models import TranscriptionJob
from jobs.translation.models import TranslationJob
from tests.audio_fixtures import whisper_transcribe
from tests.money_helpers import assert_books_balance, race
from tests.test_api_transcribe import JFK, upload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def on_postgresql() -> None:
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://… (bin/test does)"


def test_holds_racing_a_completion_never_take_the_translations_share(alice):
    # Exactly one order: 0.19 for the transcription and 0.04 estimated for the translation.
    credits_grant(organization=alice.organization, amount=Decimal("0.23") - 60, reason="one order")
    job = TranscriptionJob.objects.get(
        pk=upload(alice, language="en", translate_to="es").json()["id"]
    )
    result = whisper_transcribe(JFK)
    claim = job_claim(str(job.id))
    assert claim is not None

    def act(i: int) -> Any:
        if i == 0:
            return job_complete(claim, result)
        # Between a capture and the translation's hold 0.04 would be free: 0.02 fits twice.
        return hold_place(organization=alice.organization, amount=Decimal("0.02"),
                          reference=f"racer:{i}")  # fmt: skip

    outcomes = race(9, act)

    assert outcomes[0] is True
    assert all(isinstance(outcome, InsufficientCredits) for outcome in outcomes[1:]), outcomes
    translation = TranslationJob.objects.get()
    assert (translation.status, translation.estimated_credits) == ("queued", Decimal("0.03"))
    wallet = wallet_for(alice.organization)
    assert (wallet.balance, wallet.held, wallet.available) == (
        Decimal("0.04"),
        Decimal("0.03"),
        Decimal("0.01"),
    )
    assert wallet.holds.filter(status=HoldStatus.ACTIVE).get().reference == (
        translation.billing_reference
    )
    assert_books_balance(wallet)
