"""With a public address, an AssemblyAI job is parked after submission: the worker is free
at once, and AssemblyAI's callback (or, when it is lost, the sweeper's poll) resumes the
job, which completes, fails or falls back exactly as it would have in the worker.

The upstream is the loopback AssemblyAI server holding each transcript "processing" until
the test finishes it; its callbacks are delivered to Hark's real inbound URL through the
Django test client (and, on a real worker, by the server itself to a live server). Tasks
are read from django-q2's real ORM broker and run as a worker runs them."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import available_credits, wallet_for
from jobs import tasks
from jobs.models import (
    AttemptOutcome,
    ChunkStatus,
    JobStatus,
    ProviderAttempt,
    TranscriptionChunk,
    TranscriptionJob,
)
from jobs.services.worker import job_run, jobs_recover_abandoned
from jobs.transcripts.selectors import job_text
from tests.conftest import wait_for
from tests.money_helpers import assert_books_balance
from tests.test_api_transcribe import upload
from tests.test_job_retry_backoff import run_due_tasks, submitted, waiting_tasks
from tests.upstreams.assemblyai import AssemblyAIUpstream
from tests.upstreams.transcribers import burst_name, bursts, two_voices, write_bursts

pytestmark = pytest.mark.django_db(transaction=True)

PUBLIC_URL = "http://testserver"
GRANT = Decimal("60")
# jfk.flac is 11 s: 0.55 credits at assemblyai's 3 a minute, 0.19 at local's 1.
ASSEMBLYAI_PRICE = Decimal("0.55")
LOCAL_PRICE = Decimal("0.19")
TEXT = "Hello there. General Kenobi!"
PERMANENT_ERROR = "Transcoding failed. File does not appear to contain audio."
TRANSIENT_ERROR = "Internal server error, please try again."


def held_upstream(transcriber: Any = two_voices, **options: Any) -> AssemblyAIUpstream:
    """Transcripts stay "processing" until the test calls ``finish``."""
    return AssemblyAIUpstream(transcriber, callback_delay=None, **options)


@pytest.fixture
def upstream():
    with held_upstream().running() as server:
        yield server


def configure(settings: Any, upstream: AssemblyAIUpstream) -> None:
    settings.HARK_ENGINES = ["local", "assemblyai"]
    settings.HARK_DEFAULT_ENGINE = "local"
    settings.HARK_ASSEMBLYAI_API_KEY = upstream.key
    settings.HARK_ASSEMBLYAI_BASE_URL = upstream.base_url
    settings.HARK_ASSEMBLYAI_MODEL = ""
    settings.HARK_ASSEMBLYAI_POLL_SECONDS = 0.2
    settings.HARK_UPSTREAM_TIMEOUT_SECONDS = 5
    settings.HARK_ENGINE_PRICES = {"local": Decimal("1"), "assemblyai": Decimal("3")}
    settings.HARK_JOB_RETRY_SCHEDULE = [0.5]
    settings.HARK_PUBLIC_URL = PUBLIC_URL


@pytest.fixture
def configured(settings, upstream):
    configure(settings, upstream)
    return settings


def submissions(upstream: AssemblyAIUpstream) -> list[Any]:
    return [r for r in upstream.requests if (r.method, r.path) == ("POST", "/v2/transcript")]


def polls(upstream: AssemblyAIUpstream) -> int:
    return sum(1 for r in upstream.requests if r.method == "GET")


def parked(persona, upstream: AssemblyAIUpstream, **data: Any) -> tuple[str, str, str]:
    """A job run by the worker up to its parking: (job id, transcript id, callback URL)."""
    job_id = submitted(persona, model="assemblyai", **data)
    job_run(job_id)
    submit = submissions(upstream)[-1]
    transcript_id = next(
        t["id"] for t in upstream.transcripts.values() if t["request"] == submit.json()
    )
    return job_id, transcript_id, submit.json()["webhook_url"]


def run_all_due_tasks() -> int:
    """Run due tasks until none is left (the broker hands them out in batches)."""
    return sum(iter(run_due_tasks, 0))


def deliver(webhook: str, body: dict[str, str]) -> Any:
    """AssemblyAI's callback, to Hark's real inbound URL."""
    return Client().post(webhook.removeprefix(PUBLIC_URL), body, content_type="application/json")


def attempts(job_id: Any) -> list[tuple[int | None, str, str]]:
    return [
        (a.chunk_index, a.provider, a.outcome)
        for a in ProviderAttempt.objects.filter(job_id=job_id).order_by("started_at", "id")
    ]


def charges() -> list[Decimal]:
    return list(LedgerEntry.objects.filter(kind=EntryKind.CHARGE).values_list("amount", flat=True))


def hold_status(job: TranscriptionJob) -> str:
    return str(Hold.objects.get(reference=job.billing_reference).status)


def assert_completed_once(persona, job_id: str, price: Decimal) -> TranscriptionJob:
    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED, job.error_message
    assert (job.parked_reference, job.progress, job.lease_expires_at) == ("", 100, None)
    assert charges() == [-price]
    assert job.credits_used == price
    assert hold_status(job) == HoldStatus.CAPTURED
    assert available_credits(persona.organization) == GRANT - price
    assert_books_balance(wallet_for(persona.organization))
    return job


def assert_failed_uncharged(persona, job: TranscriptionJob) -> None:
    assert job.status == JobStatus.FAILED
    assert job.credits_used == 0
    assert hold_status(job) == HoldStatus.RELEASED
    assert charges() == []
    assert available_credits(persona.organization) == GRANT
    assert_books_balance(wallet_for(persona.organization))


def make_old(job_id: str, **fields: Any) -> None:
    TranscriptionJob.objects.filter(pk=job_id).update(**fields)


# --- Parking --------------------------------------------------------------------------------


def test_after_submitting_the_worker_returns_and_the_job_waits_parked(configured, upstream, alice):
    job_id = submitted(alice, model="assemblyai")
    started = time.monotonic()
    job_run(job_id)  # returns although the transcript is still processing upstream
    elapsed = time.monotonic() - started

    assert elapsed < 5
    [transcript] = upstream.transcripts.values()
    assert transcript["status"] == "queued"
    assert transcript["request"]["webhook_url"].startswith(
        f"{PUBLIC_URL}/webhooks/providers/assemblyai/"
    )
    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.attempts, job.progress) == (JobStatus.PROCESSING, 1, 10)
    assert (job.parked_provider, job.parked_reference, job.parked_position) == (
        "assemblyai", transcript["id"], 0,
    )  # fmt: skip
    assert job.parked_seconds == pytest.approx(11.0, abs=0.1)
    assert job.parked_at is not None
    # The lease covers the upstream's budget (5 s + twice the audio), not a worker's.
    assert job.lease_expires_at is not None
    budget = (job.lease_expires_at - timezone.now()).total_seconds()
    assert 25 < budget <= 27
    # Nothing waits for it: no poll was made, no lease is renewed, no task is queued.
    assert polls(upstream) == 0
    assert not [t for t in threading.enumerate() if t.name == "lease-keeper"]
    assert waiting_tasks() == []
    assert attempts(job_id) == []  # recorded once AssemblyAI has answered
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/").json()
    assert (body["status"], body["progress"]) == ("processing", 10)
    assert hold_status(job) == HoldStatus.ACTIVE
    # The sweeper leaves a parked job alone while its callback is not due.
    assert jobs_recover_abandoned() == 0
    assert TranscriptionJob.objects.get(pk=job_id).parked_reference == transcript["id"]


def test_the_callback_resumes_the_job_which_completes_charged_once(configured, upstream, alice):
    job_id, transcript_id, webhook = parked(alice, upstream)
    response = deliver(webhook, upstream.finish(transcript_id))

    assert response.status_code == 200
    [(func, args, _)] = waiting_tasks()
    assert (func, args) == ("jobs.tasks.resume_parked", [job_id, "assemblyai", transcript_id])
    assert run_due_tasks() == 1

    job = assert_completed_once(alice, job_id, ASSEMBLYAI_PRICE)
    assert job_text(job) == TEXT
    assert job.providers == ["assemblyai"]
    assert attempts(job_id) == [(None, "assemblyai", AttemptOutcome.SUCCEEDED)]
    attempt = ProviderAttempt.objects.get(job__pk=job_id)
    assert attempt.audio_seconds == pytest.approx(11.0, abs=0.1)
    # From the attempt's start to the collected transcript, however long it waited.
    assert job.finished_at is not None
    assert attempt.duration_seconds == pytest.approx(
        (job.finished_at - attempt.started_at).total_seconds(), abs=1.0
    )
    assert upstream.transcripts[transcript_id]["deleted"] is True
    assert polls(upstream) == 1  # one read of the finished transcript
    assert waiting_tasks() == []


def test_a_repeated_callback_and_a_racing_safety_poll_complete_it_once(configured, upstream, alice):
    job_id, transcript_id, webhook = parked(alice, upstream)
    body = upstream.finish(transcript_id)
    assert deliver(webhook, body).status_code == 200
    assert deliver(webhook, body).status_code == 200  # AssemblyAI calls back again
    assert len(waiting_tasks()) == 1
    # The sweeper's poll queues a look of its own before the callback's task has run.
    make_old(job_id, parked_polled_at=timezone.now() - timedelta(seconds=31))
    assert jobs_recover_abandoned() == 1
    assert [func for func, _, _ in waiting_tasks()] == ["jobs.tasks.resume_parked"] * 2

    assert run_all_due_tasks() == 2  # the second finds nothing left to take
    tasks.resume_parked(job_id, "assemblyai", transcript_id)  # nor does a redelivery
    assert jobs_recover_abandoned() == 0

    job = assert_completed_once(alice, job_id, ASSEMBLYAI_PRICE)
    assert job_text(job) == TEXT
    assert attempts(job_id) == [(None, "assemblyai", AttemptOutcome.SUCCEEDED)]


def test_a_lost_callback_is_made_up_for_by_the_sweepers_poll(configured, upstream, alice):
    job_id, transcript_id, _ = parked(alice, upstream)
    # Asked before the transcript is done: it stays parked, asked again later.
    make_old(job_id, parked_polled_at=timezone.now() - timedelta(seconds=31))
    assert jobs_recover_abandoned() == 1
    assert run_due_tasks() == 1
    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.parked_reference) == (JobStatus.PROCESSING, transcript_id)
    assert job.parked_polled_at is not None
    assert timezone.now() - job.parked_polled_at < timedelta(seconds=5)
    assert polls(upstream) == 1

    upstream.finish(transcript_id)  # and its callback never arrives
    assert jobs_recover_abandoned() == 0  # asked less than 30 s ago
    make_old(job_id, parked_polled_at=timezone.now() - timedelta(seconds=31))
    assert jobs_recover_abandoned() == 1
    assert run_due_tasks() == 1

    job = assert_completed_once(alice, job_id, ASSEMBLYAI_PRICE)
    assert job_text(job) == TEXT
    assert upstream.transcripts[transcript_id]["deleted"] is True


def test_a_parked_job_past_its_budget_falls_back_as_a_timeout(configured, upstream, alice):
    job_id, _, _ = parked(alice, upstream, fallbacks="local")
    long_ago = timezone.now() - timedelta(seconds=31)
    make_old(job_id, lease_expires_at=long_ago, parked_polled_at=long_ago)
    assert jobs_recover_abandoned() == 1
    assert run_due_tasks() == 1

    job = assert_completed_once(alice, job_id, LOCAL_PRICE)
    assert "country" in job_text(job)
    assert job.providers == ["local"]
    assert attempts(job_id) == [
        (None, "assemblyai", AttemptOutcome.TRANSIENT),
        (None, "local", AttemptOutcome.SUCCEEDED),
    ]
    timed_out = ProviderAttempt.objects.get(job__pk=job_id, provider="assemblyai")
    assert "did not finish within" in timed_out.message


# --- Upstream errors ---------------------------------------------------------------------------


def test_a_permanent_upstream_error_fails_the_job_uncharged(configured, alice):
    with held_upstream(fails_with=PERMANENT_ERROR).running() as failing:
        configure(configured, failing)
        job_id, transcript_id, webhook = parked(alice, failing, fallbacks="local")
        body = failing.finish(transcript_id)
        assert body["status"] == "error"
        assert deliver(webhook, body).status_code == 200
        assert run_due_tasks() == 1

    job = TranscriptionJob.objects.get(pk=job_id)
    assert PERMANENT_ERROR in job.error_message
    assert_failed_uncharged(alice, job)
    # Permanent: the fallback is not tried.
    assert attempts(job_id) == [(None, "assemblyai", AttemptOutcome.PERMANENT)]
    assert waiting_tasks() == []


def test_a_transient_upstream_error_falls_back_to_the_next_provider(configured, alice):
    with held_upstream(fails_with=TRANSIENT_ERROR).running() as failing:
        configure(configured, failing)
        job_id, transcript_id, webhook = parked(alice, failing, fallbacks="local")
        assert deliver(webhook, failing.finish(transcript_id)).status_code == 200
        assert run_due_tasks() == 1

    job = assert_completed_once(alice, job_id, LOCAL_PRICE)
    assert "country" in job_text(job)
    assert job.providers == ["local"]
    assert attempts(job_id) == [
        (None, "assemblyai", AttemptOutcome.TRANSIENT),
        (None, "local", AttemptOutcome.SUCCEEDED),
    ]


def test_a_transient_upstream_error_without_a_fallback_backs_off_and_runs_again(configured, alice):
    with held_upstream(fails_with=TRANSIENT_ERROR).running() as failing:
        configure(configured, failing)
        job_id, transcript_id, webhook = parked(alice, failing)
        assert deliver(webhook, failing.finish(transcript_id)).status_code == 200
        assert run_due_tasks() == 1

        job = TranscriptionJob.objects.get(pk=job_id)
        assert (job.status, job.attempts, job.parked_reference) == (JobStatus.QUEUED, 1, "")
        assert job.retry_at is not None
        assert waiting_tasks() == [("jobs.tasks.transcribe_job", [job_id], job.retry_at)]
        assert "try again" in ProviderAttempt.objects.get(job__pk=job_id).message

        # The next attempt parks again on a new transcript.
        failing.fails_with = ""
        time.sleep(max((job.retry_at - timezone.now()).total_seconds(), 0) + 0.05)
        assert run_due_tasks() == 1
        job = TranscriptionJob.objects.get(pk=job_id)
        assert (job.status, job.attempts) == (JobStatus.PROCESSING, 2)
        assert job.parked_reference not in ("", transcript_id)
        assert deliver(webhook, failing.finish(job.parked_reference)).status_code == 200
        assert run_due_tasks() == 1

    job = assert_completed_once(alice, job_id, ASSEMBLYAI_PRICE)
    assert job_text(job) == TEXT


# --- Cancel -----------------------------------------------------------------------------------


def test_a_canceled_parked_job_stays_canceled_when_the_callback_comes(configured, upstream, alice):
    job_id, transcript_id, webhook = parked(alice, upstream)
    assert alice.client().post(f"/api/v1/transcribe/{job_id}/cancel/").status_code == 200

    assert deliver(webhook, upstream.finish(transcript_id)).status_code == 200
    assert waiting_tasks() == []  # nothing is parked on it any more
    tasks.resume_parked(job_id, "assemblyai", transcript_id)  # a stray task changes nothing

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.CANCELED
    assert hold_status(job) == HoldStatus.RELEASED
    assert charges() == []
    assert available_credits(alice.organization) == GRANT
    assert attempts(job_id) == []
    # The customer's words need not stay upstream.
    assert upstream.transcripts[transcript_id]["deleted"] is True
    assert jobs_recover_abandoned() == 0


# --- Long jobs ------------------------------------------------------------------------------

# 123 s of tone bursts standing for words; cut into six or seven chunks of about 20 s.
BURSTS = [(round(1.0 + i * 2.0, 3), 0.30 + 0.05 * (i % 10)) for i in range(60)]


def test_a_long_job_whose_chunks_park_completes_once_every_chunk_is_called_back(
    configured, alice, tmp_path
):
    configured.HARK_UPSTREAM_CHUNK_SECONDS = 20
    configured.HARK_UPSTREAM_TIMEOUT_SECONDS = 60
    tones = write_bursts(tmp_path / "tones.wav", seconds=123.0, bursts_at=BURSTS)
    with held_upstream(bursts).running() as server:
        configure(configured, server)
        job_id = submitted(alice, tones, model="assemblyai", word_timestamps="true")
        job_run(job_id)
        chunks = TranscriptionChunk.objects.filter(job__pk=job_id)
        assert chunks.count() >= 6
        assert run_all_due_tasks() == chunks.count()  # each chunk submits and parks

        assert [c.status for c in chunks] == [ChunkStatus.PROCESSING] * chunks.count()
        references = [c.parked_reference for c in chunks.order_by("index")]
        assert sorted(references) == sorted(server.transcripts)
        assert not [t for t in threading.enumerate() if t.name == "lease-keeper"]
        webhook = submissions(server)[0].json()["webhook_url"]

        for done, reference in enumerate(references, start=1):
            job = TranscriptionJob.objects.get(pk=job_id)
            assert (job.status, job.chunks_done) == (JobStatus.PROCESSING, done - 1)
            assert deliver(webhook, server.finish(reference)).status_code == 200
            assert run_due_tasks() == 1
        assert all(t["deleted"] for t in server.transcripts.values())

    job = assert_completed_once(alice, job_id, Decimal("6.15"))  # 123 s at 3 a minute
    assert job.chunks_done == job.chunks_total == len(references)
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true&words=true").json()
    heard = [(w["word"], w["start"]) for s in body["segments"] for w in s["words"]]
    expected = [(burst_name(length), start) for start, length in BURSTS]
    assert [word for word, _ in heard] == [word for word, _ in expected]
    assert all(abs(a - b) <= 0.02 for (_, a), (_, b) in zip(heard, expected, strict=True))
    assert attempts(job_id) == [
        (index, "assemblyai", AttemptOutcome.SUCCEEDED) for index in range(len(references))
    ]


# --- On a real worker ----------------------------------------------------------------------


@pytest.mark.worker
def test_on_one_worker_a_second_job_is_submitted_while_the_first_is_parked(
    settings, alice, start_worker, live_server
):
    with AssemblyAIUpstream(two_voices, callback_delay=8).running() as server:
        configure(settings, server)
        settings.HARK_PUBLIC_URL = live_server.url
        first = upload(alice, model="assemblyai").json()["id"]
        second = upload(alice, model="assemblyai").json()["id"]
        start_worker(  # one worker process
            HARK_ENGINES="local,assemblyai",
            HARK_ASSEMBLYAI_API_KEY=server.key,
            HARK_ASSEMBLYAI_BASE_URL=server.base_url,
            HARK_PUBLIC_URL=live_server.url,
            HARK_ENGINE_PRICES="local=1,assemblyai=3",
        )
        wait_for(lambda: len(submissions(server)) == 2, timeout=60)
        # The first job's eight seconds upstream did not hold the only worker.
        one, two = submissions(server)
        assert two.at - one.at < 3
        assert server.callbacks_sent == []
        jobs = TranscriptionJob.objects.filter(pk__in=[first, second])
        wait_for(lambda: all(job.parked_reference for job in jobs.all()), timeout=5)
        assert [job.status for job in jobs.all()] == [JobStatus.PROCESSING] * 2

        wait_for(lambda: all(job.is_finished for job in jobs.all()), timeout=60)
        assert [status for _, status in server.callbacks_sent] == [200, 200]
    for job_id in (first, second):
        job = TranscriptionJob.objects.get(pk=job_id)
        assert job.status == JobStatus.COMPLETED, job.error_message
        assert job_text(job) == TEXT
    assert charges() == [-ASSEMBLYAI_PRICE] * 2
    assert_books_balance(wallet_for(alice.organization))
