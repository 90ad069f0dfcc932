"""Lifecycle transitions racing in two threads on PostgreSQL (SQLite serializes writers,
so it cannot show this): exactly one wins, the wallet equals its ledger, and the job is
charged at most once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import wallet_for
from jobs.engines.base import Segment, TranscriptionResult
from jobs.lifecycle import transcription as jobs
from jobs.lifecycle.common import JobLost
from jobs.models import JobStatus, TranscriptionJob
from tests.money_helpers import assert_books_balance, race
from tests.test_api_transcribe import upload

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROUNDS = 5


@pytest.fixture(autouse=True)
def on_postgresql() -> None:
    assert connection.vendor == "postgresql", "run with DATABASE_URL=postgres://…"


def result() -> TranscriptionResult:
    return TranscriptionResult(
        segments=[Segment(0.5, 1.4, "hello world", 0.85)],
        language="en",
        duration=11.0,
        engine="local",
    )


def queued_job(persona: Any) -> TranscriptionJob:
    return TranscriptionJob.objects.get(pk=upload(persona).json()["id"])


def charges(job: TranscriptionJob) -> int:
    return LedgerEntry.objects.filter(
        kind=EntryKind.CHARGE, reference=job.billing_reference
    ).count()


def won(outcome: object) -> bool:
    if isinstance(outcome, BaseException) and not isinstance(outcome, JobLost):
        raise outcome
    return outcome not in (False, None, 0) and not isinstance(outcome, JobLost)


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_complete_racing_cancel_one_wins_and_the_money_follows_the_winner(alice, round_):
    job = queued_job(alice)
    claim = jobs.job_claim(str(job.pk))
    assert claim is not None

    outcomes = race(
        2, lambda i: jobs.job_complete(claim, result()) if i == 0 else jobs.job_cancel(job)
    )

    assert [won(o) for o in outcomes].count(True) == 1
    job.refresh_from_db()
    hold = Hold.objects.get(reference=job.billing_reference).status
    if won(outcomes[0]):
        assert (job.status, hold, charges(job)) == (JobStatus.COMPLETED, HoldStatus.CAPTURED, 1)
    else:
        assert (job.status, hold, charges(job)) == (JobStatus.CANCELED, HoldStatus.RELEASED, 0)
    assert_books_balance(wallet_for(alice.organization))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_two_workers_claiming_one_job_only_one_gets_it(alice, round_):
    job = queued_job(alice)

    outcomes = race(2, lambda i: jobs.job_claim(str(job.pk)))

    assert [won(o) for o in outcomes].count(True) == 1
    job.refresh_from_db()
    assert (job.status, job.attempts) == (JobStatus.PROCESSING, 1)
    assert_books_balance(wallet_for(alice.organization))


@pytest.mark.parametrize("round_", range(ROUNDS))
def test_the_sweeper_racing_a_late_heartbeat_either_requeues_or_the_worker_keeps_it(alice, round_):
    job = queued_job(alice)
    claim = jobs.job_claim(str(job.pk))
    assert claim is not None
    expired = timezone.now() - timedelta(seconds=1)
    TranscriptionJob.objects.filter(pk=job.pk).update(lease_expires_at=expired)
    sweep_at = timezone.now()

    def act(i: int) -> object:
        if i == 0:
            return jobs.jobs_requeue_stalled(sweep_at)
        jobs.job_heartbeat(claim, fraction=0.5)
        return True

    swept, beat = race(2, act)

    assert won(swept) != won(beat)
    job.refresh_from_db()
    if won(swept):
        # The sweeper took it: the job is queued again and the late worker learns it
        # lost the job at its next heartbeat, and cannot complete it.
        assert job.status == JobStatus.QUEUED
        with pytest.raises(JobLost):
            jobs.job_heartbeat(claim, fraction=0.6)
        assert jobs.job_complete(claim, result()) is False
    else:
        assert won(beat)
        assert job.status == JobStatus.PROCESSING
        assert job.lease_expires_at is not None
        assert job.lease_expires_at > sweep_at
        assert jobs.job_complete(claim, result()) is True
    assert charges(job) <= 1
    assert Hold.objects.get(reference=job.billing_reference).status in (
        HoldStatus.ACTIVE,
        HoldStatus.CAPTURED,
    )
    assert_books_balance(wallet_for(alice.organization))
