"""Every transition of ``jobs.lifecycle`` from every state: an allowed one wins once, the
others are refused and change nothing (not the row, not the hold), and the money is
right after each (captured on completion, released on failure and cancel, held
otherwise; the wallet always equals its ledger). A job asked for by URL starts in
``fetching`` holding nothing: fetched, it is queued with its hold; failed or canceled,
there is still nothing held."""

# ruff: noqa: E501  (the transition tables read best one transition a row)
from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone
from django_q.models import OrmQ

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import wallet_for
from billing.services import hold_place
from jobs.engines.base import Deferred, Segment, Submission, TranscriptionResult
from jobs.lifecycle import chunk as chunks
from jobs.lifecycle import fetching
from jobs.lifecycle import transcription as jobs
from jobs.lifecycle import translation as translations
from jobs.lifecycle.common import JobLost
from jobs.models import ChunkStatus, JobStatus, TranscriptionChunk, TranscriptionJob
from jobs.services.intake import AdmittedMedia, media_quote
from jobs.services.url_intake import job_requested_options
from jobs.services.worker import jobs_recover_abandoned
from jobs.translation.models import TranslationJob
from tests.money_helpers import assert_books_balance
from tests.test_api_transcribe import JFK, upload

pytestmark = pytest.mark.django_db

STATES = ("queued", "processing", "processing-lease-expired", "completed", "failed", "canceled")
# A URL's job while its media is fetched: waiting for a worker, leased to one, or leased
# to one that stopped reporting.
FETCHING_STATES = ("fetching", "fetching-leased", "fetching-lease-expired")


def result() -> TranscriptionResult:
    return TranscriptionResult(
        segments=[Segment(0.5, 1.4, "hello world", 0.85)],
        language="en",
        duration=11.0,
        engine="local",
    )


def deferred() -> Deferred:
    submission = Submission(reference="up-1", audio_seconds=11.0, wait_seconds=600)
    return Deferred(
        provider="assemblyai", position=0, submission=submission, started_at=timezone.now()
    )


def state_fields(state: str) -> dict[str, Any]:
    now = timezone.now()
    lease = {
        "processing": now + timedelta(minutes=5),
        "processing-lease-expired": now - timedelta(seconds=1),
    }
    if state in lease:
        return {"status": JobStatus.PROCESSING, "attempts": 1, "lease_expires_at": lease[state]}
    fetch_lease = {
        "fetching-leased": now + timedelta(minutes=5),
        "fetching-lease-expired": now - timedelta(seconds=1),
    }
    if state in fetch_lease:
        return {"status": JobStatus.FETCHING, "attempts": 1, "lease_expires_at": fetch_lease[state]}
    return {"status": state, "attempts": 1 if state not in {"queued", "fetching"} else 0}


@pytest.fixture
def job_in(alice) -> Callable[[str], TranscriptionJob]:
    def make(state: str) -> TranscriptionJob:
        if state in FETCHING_STATES:
            response = alice.client().post(
                "/api/v1/transcribe/url/", {"url": "https://example.com/a.mp3"}, format="json"
            )
        else:
            response = upload(alice)
        job = TranscriptionJob.objects.get(pk=response.json()["id"])
        TranscriptionJob.objects.filter(pk=job.pk).update(**state_fields(state))
        job.refresh_from_db()
        return job

    return make


def claim_of(job: TranscriptionJob) -> jobs.Claim:
    return jobs.Claim(job=job, attempt=1)


def hold_of(work: TranscriptionJob | TranslationJob) -> str | None:
    """The status of the work's hold; None when it has none (a job still fetching)."""
    hold = Hold.objects.filter(reference=work.billing_reference).first()
    return hold.status if hold else None


def admitted(job: TranscriptionJob) -> AdmittedMedia:
    """What a fetch of ``job`` brings: real audio, measured and priced for its options."""
    quote = media_quote(path=JFK, options=job_requested_options(job))
    return AdmittedMedia(quote, f"org/{job.organization_id}/{job.pk}.flac", 1000, "a.flac")


def snapshot(work: Any) -> dict[str, Any]:
    work.refresh_from_db()
    return model_to_dict(work)


def attempt(transition: Callable[[], object]) -> bool:
    """Whether the transition won; JobLost (a heartbeat refused) counts as refused."""
    try:
        return transition() not in (False, None)
    except JobLost:
        return False


def beat(renew: Callable[[], None]) -> bool:
    """A heartbeat won when it did not raise JobLost."""
    renew()
    return True


# (transition, the states it is allowed from, what it leaves, the hold afterwards: of a
# job that had none, only "fetched" places one)
JOB_TRANSITIONS: dict[str, tuple[Callable[[TranscriptionJob], object], set[str], str, str | None]] = {
    "claim": (lambda j: jobs.job_claim(str(j.pk)), {"queued", "processing-lease-expired"},
              JobStatus.PROCESSING, HoldStatus.ACTIVE),
    "heartbeat": (lambda j: beat(lambda: jobs.job_heartbeat(claim_of(j), fraction=0.5)),
                  {"processing", "processing-lease-expired"}, JobStatus.PROCESSING, HoldStatus.ACTIVE),
    "complete": (lambda j: jobs.job_complete(claim_of(j), result()),
                 {"processing", "processing-lease-expired"}, JobStatus.COMPLETED, HoldStatus.CAPTURED),
    "fail": (lambda j: jobs.job_fail(j, "Refused.", attempt=1),
             {"processing", "processing-lease-expired", "fetching-leased", "fetching-lease-expired"},
             JobStatus.FAILED, HoldStatus.RELEASED),
    "retry_later": (lambda j: jobs.job_retry_later(claim_of(j), retry_at=timezone.now() + timedelta(minutes=1)),
                    {"processing", "processing-lease-expired"}, JobStatus.QUEUED, HoldStatus.ACTIVE),
    "park": (lambda j: jobs.job_park(claim_of(j), deferred()),
             {"processing", "processing-lease-expired"}, JobStatus.PROCESSING, HoldStatus.ACTIVE),
    "cancel": (jobs.job_cancel, {"queued", "processing", "processing-lease-expired", *FETCHING_STATES},
               JobStatus.CANCELED, HoldStatus.RELEASED),
    "requeue_stalled": (lambda j: jobs.jobs_requeue_stalled(timezone.now()),
                        {"processing-lease-expired"}, JobStatus.QUEUED, HoldStatus.ACTIVE),
    "fetch_claim": (lambda j: fetching.job_fetch_claim(str(j.pk)), {"fetching", "fetching-lease-expired"},
                    JobStatus.FETCHING, None),
    "fetched": (lambda j: fetching.job_fetched(claim_of(j), admitted(j)),
                {"fetching-leased", "fetching-lease-expired"}, JobStatus.QUEUED, HoldStatus.ACTIVE),
    "fetch_requeue_stalled": (lambda j: fetching.jobs_fetch_requeue_stalled(timezone.now()),
                              {"fetching-lease-expired"}, JobStatus.FETCHING, None),
}  # fmt: skip


@pytest.mark.parametrize("state", STATES + FETCHING_STATES)
@pytest.mark.parametrize("name", JOB_TRANSITIONS)
def test_a_job_transition_wins_once_from_its_states_and_changes_nothing_from_others(
    job_in, name, state
):
    transition, allowed, after, hold = JOB_TRANSITIONS[name]
    job = job_in(state)
    before, held = snapshot(job), hold_of(job)
    if held is None and name != "fetched":
        hold = None  # nothing was held, so nothing is captured or released
    if state in allowed:
        assert attempt(lambda: transition(job)) is True
        job.refresh_from_db()
        assert job.status == after
        assert hold_of(job) == hold
        if name not in {"heartbeat", "park"}:
            # Once: the same transition again loses (a heartbeat or a park may repeat).
            after_first = snapshot(job)
            assert attempt(lambda: transition(job)) is False
            assert snapshot(job) == after_first
    else:
        assert attempt(lambda: transition(job)) is False
        assert snapshot(job) == before
        assert hold_of(job) == held
    charges = LedgerEntry.objects.filter(kind=EntryKind.CHARGE).count()
    assert charges == (1 if name == "complete" and state in allowed else 0)
    assert_books_balance(wallet_for(job.organization))


def test_a_parked_job_is_taken_back_once_and_a_stalled_one_out_of_attempts_fails_uncharged(
    job_in, settings
):
    job = job_in("processing")
    assert jobs.job_park(claim_of(job), deferred())
    job.refresh_from_db()
    assert jobs.job_unpark(job) is True
    assert jobs.job_unpark(job) is False
    stalled = job_in("processing-lease-expired")
    TranscriptionJob.objects.filter(pk=stalled.pk).update(attempts=settings.HARK_JOB_MAX_ATTEMPTS)
    assert jobs.jobs_requeue_stalled(timezone.now()) == 1
    stalled.refresh_from_db()
    assert stalled.status == JobStatus.FAILED
    assert hold_of(stalled) == HoldStatus.RELEASED
    assert_books_balance(wallet_for(job.organization))


# --- Chunks -----------------------------------------------------------------------------------


@pytest.fixture
def chunk_in(job_in) -> Callable[[str], TranscriptionChunk]:
    def make(state: str) -> TranscriptionChunk:
        job = job_in("processing")
        status = {"processing-lease-expired": ChunkStatus.PROCESSING}.get(state, state)
        return TranscriptionChunk.objects.create(
            job=job, index=0, start=0, end=10, media="chunk.flac", status=status,
            attempts=0 if state == "queued" else 1, job_attempt=1,
            lease_expires_at=timezone.now() + timedelta(minutes=5),
        )  # fmt: skip

    return make


CHUNK_STATES = ("queued", "processing", "completed", "skipped")
CHUNK_TRANSITIONS: dict[str, tuple[Callable[[TranscriptionChunk], object], set[str], str]] = {
    "claim": (lambda c: chunks.chunk_claim(c.pk, 1), {"queued"}, ChunkStatus.PROCESSING),
    "renew_lease": (lambda c: beat(lambda: chunks.chunk_renew_lease(c.pk, 1)), {"processing"},
                    ChunkStatus.PROCESSING),
    "complete": (lambda c: chunks.chunk_complete(c, 1, segments=[], provider="local", language="en"),
                 {"processing"}, ChunkStatus.COMPLETED),
    "retry_later": (lambda c: chunks.chunk_retry_later(c.pk, 1, timezone.now()), {"processing"},
                    ChunkStatus.QUEUED),
    "park": (lambda c: chunks.chunk_park(c, 1, deferred()), {"processing"}, ChunkStatus.PROCESSING),
}  # fmt: skip


@pytest.mark.parametrize("state", CHUNK_STATES)
@pytest.mark.parametrize("name", CHUNK_TRANSITIONS)
def test_a_chunk_transition_wins_from_its_states_and_changes_nothing_from_others(
    chunk_in, name, state
):
    transition, allowed, after = CHUNK_TRANSITIONS[name]
    chunk = chunk_in(state)
    before = snapshot(chunk)
    assert attempt(lambda: transition(chunk)) is (state in allowed)
    chunk.refresh_from_db()
    if state in allowed:
        assert chunk.status == after
    else:
        assert snapshot(chunk) == before
    assert hold_of(chunk.job) == HoldStatus.ACTIVE  # a chunk never moves money itself


def test_a_chunk_of_a_job_taken_over_cannot_be_claimed_by_the_old_attempt(chunk_in):
    chunk = chunk_in("queued")
    TranscriptionJob.objects.filter(pk=chunk.job_id).update(attempts=2)
    assert chunks.chunk_claim(chunk.pk, 1) is None


# --- Translations -----------------------------------------------------------------------------

PRICE = Decimal("0.50")


@pytest.fixture
def translation_in(job_in) -> Callable[[str], TranslationJob]:
    def make(state: str) -> TranslationJob:
        source = job_in("completed")
        translation = TranslationJob.objects.create(
            organization=source.organization, source_job=source, from_language="en",
            to_language="es", words=10, estimated_credits=PRICE,
        )  # fmt: skip
        hold_place(
            organization=source.organization,
            amount=PRICE,
            reference=translation.billing_reference,
            work="translation",
        )
        TranslationJob.objects.filter(pk=translation.pk).update(**state_fields(state))
        translation.refresh_from_db()
        return translation

    return make


def complete_translation(t: TranslationJob) -> bool:
    return translations.translation_complete(
        t, cost=PRICE, description="Translation", product="translation:apertium", tried=[],
        store=lambda: None,
    )  # fmt: skip


TRANSLATION_TRANSITIONS: dict[str, tuple[Callable[[TranslationJob], object], set[str], str, str]] = {
    "claim": (lambda t: translations.translation_claim(str(t.pk)),
              {"queued", "processing-lease-expired"}, JobStatus.PROCESSING, HoldStatus.ACTIVE),
    "complete": (complete_translation, {"processing", "processing-lease-expired"},
                 JobStatus.COMPLETED, HoldStatus.CAPTURED),
    "fail": (lambda t: translations.translation_fail(t, "Refused.", attempt=1),
             {"processing", "processing-lease-expired"}, JobStatus.FAILED, HoldStatus.RELEASED),
    "retry_later": (lambda t: translations.translation_retry_later(t, timezone.now()),
                    {"processing", "processing-lease-expired"}, JobStatus.QUEUED, HoldStatus.ACTIVE),
    "cancel": (translations.translation_cancel, {"queued", "processing", "processing-lease-expired"},
               JobStatus.CANCELED, HoldStatus.RELEASED),
    "requeue_stalled": (lambda t: translations.translations_requeue_stalled(timezone.now()),
                        {"processing-lease-expired"}, JobStatus.QUEUED, HoldStatus.ACTIVE),
}  # fmt: skip


@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("name", TRANSLATION_TRANSITIONS)
def test_a_translation_transition_wins_once_from_its_states_and_changes_nothing_from_others(
    translation_in, name, state
):
    transition, allowed, after, hold = TRANSLATION_TRANSITIONS[name]
    translation = translation_in(state)
    before, held = snapshot(translation), hold_of(translation)
    if state in allowed:
        assert attempt(lambda: transition(translation)) is True
        translation.refresh_from_db()
        assert translation.status == after
        assert hold_of(translation) == hold
        after_first = snapshot(translation)
        assert attempt(lambda: transition(translation)) is False
        assert snapshot(translation) == after_first
    else:
        assert attempt(lambda: transition(translation)) is False
        assert snapshot(translation) == before
        assert hold_of(translation) == held
    charged = LedgerEntry.objects.filter(kind=EntryKind.CHARGE, amount=-PRICE).count()
    assert charged == (1 if name == "complete" and state in allowed else 0)
    assert_books_balance(wallet_for(translation.organization))


# --- The sweeper, on an injected clock --------------------------------------------------------


def test_the_sweeper_requeues_a_translation_whose_worker_was_lost_once_its_lease_ran_out(
    translation_in,
):
    translation = translation_in("queued")
    started = timezone.now()
    assert translations.translation_claim(str(translation.pk), now=started) is not None
    queued_tasks = OrmQ.objects.count()

    jobs_recover_abandoned(now=started + translations.LEASE - timedelta(seconds=1))
    translation.refresh_from_db()
    assert translation.status == JobStatus.PROCESSING  # still within its lease

    jobs_recover_abandoned(now=started + translations.LEASE + timedelta(seconds=1))
    translation.refresh_from_db()
    assert (translation.status, translation.lease_expires_at) == (JobStatus.QUEUED, None)
    assert OrmQ.objects.count() == queued_tasks + 1  # its task queued again
    assert hold_of(translation) == HoldStatus.ACTIVE
    assert translations.translation_claim(str(translation.pk)) is not None


def test_the_sweeper_fails_a_stalled_translation_out_of_attempts_and_releases_its_hold(
    translation_in, settings
):
    translation = translation_in("queued")
    TranslationJob.objects.filter(pk=translation.pk).update(
        attempts=settings.HARK_JOB_MAX_ATTEMPTS - 1
    )
    started = timezone.now()
    assert translations.translation_claim(str(translation.pk), now=started) is not None

    jobs_recover_abandoned(now=started + translations.LEASE + timedelta(seconds=1))
    translation.refresh_from_db()
    assert translation.status == JobStatus.FAILED
    assert "stopped repeatedly" in translation.error_message
    assert hold_of(translation) == HoldStatus.RELEASED
    assert_books_balance(wallet_for(translation.organization))
