"""A job (or a chunk of one) that every provider failed transiently waits before its next
attempt: on a growing schedule with jitter, never sooner than the longest Retry-After the
upstreams asked for (up to ten minutes), as a broker row no worker takes before then, and
refused by the claim if a duplicate task turns up early. Permanent failures and the last
attempt fail at once, uncharged.

Upstreams are real loopback servers speaking OpenAI's protocol; the queue is django-q2's
real ORM broker, read the way its workers read it (and, in the last test, by a real
``qcluster``)."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ
from django_q.signing import SignedPackage

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import available_credits, wallet_for
from jobs import tasks
from jobs.lifecycle.transcription import job_claim
from jobs.models import (
    AttemptOutcome,
    ChunkStatus,
    JobStatus,
    ProviderAttempt,
    ProviderHealth,
    TranscriptionChunk,
    TranscriptionJob,
)
from jobs.services.chunks import chunk_run
from jobs.services.worker import job_run, jobs_recover_abandoned
from jobs.transcripts.selectors import job_text
from tests.conftest import wait_for
from tests.money_helpers import assert_books_balance
from tests.test_api_transcribe import upload
from tests.upstreams.loopback import Fault
from tests.upstreams.openai import OpenAIUpstream
from tests.upstreams.transcribers import bursts, canned, write_bursts

pytestmark = pytest.mark.django_db(transaction=True)

WORDS = ["ask", "not", "what", "your", "country", "can", "do"]
GRANT = Decimal("60")
# jfk.flac is 11 s; openai costs 3 credits a minute.
JFK_PRICE = Decimal("0.55")


@pytest.fixture
def upstream():
    with OpenAIUpstream(canned(WORDS)).running() as server:
        yield server


@pytest.fixture
def openai_only(settings, upstream):
    upstream.configure(settings)
    settings.HARK_UPSTREAM_TIMEOUT_SECONDS = 5
    # A Retry-After above this is not waited out inside the attempt.
    settings.HARK_MAX_RETRY_AFTER_SECONDS = 5
    settings.HARK_JOB_RETRY_SCHEDULE = [0.5, 1.0]
    return settings


def submitted(persona, path: Path | None = None, **data: Any) -> str:
    """A job of ``persona``'s whose first task a worker has taken off the queue."""
    response = upload(persona, path, **data) if path else upload(persona, **data)
    assert response.status_code == 200, response.content
    OrmQ.objects.all().delete()
    return str(response.json()["id"])


def waiting_tasks() -> list[tuple[str, list[Any], datetime]]:
    """What is on the queue: (function, arguments, not handed out before)."""
    return [(row.func(), list(row.args()), row.lock) for row in OrmQ.objects.order_by("id")]


def run_due_tasks() -> int:
    """Do what a worker does: take the tasks the broker hands out now, and run them."""
    broker = get_broker()
    ran = 0
    for row_id, payload in broker.dequeue() or []:
        task = SignedPackage.loads(payload)
        getattr(tasks, task["func"].rsplit(".", 1)[1])(*task["args"])
        broker.acknowledge(row_id)
        ran += 1
    return ran


def wait_until(moment: datetime | None) -> None:
    assert moment is not None
    time.sleep(max((moment - timezone.now()).total_seconds(), 0) + 0.05)


def attempts(job_id: Any) -> list[tuple[int | None, str, str, int | None]]:
    return [
        (a.chunk_index, a.provider, a.outcome, a.http_status)
        for a in ProviderAttempt.objects.filter(job_id=job_id).order_by("started_at", "id")
    ]


def charges() -> list[Decimal]:
    return list(LedgerEntry.objects.filter(kind=EntryKind.CHARGE).values_list("amount", flat=True))


def assert_failed_uncharged(persona, job: TranscriptionJob) -> None:
    assert job.status == JobStatus.FAILED
    assert job.retry_at is None
    assert job.credits_used == 0
    assert Hold.objects.get(reference=job.billing_reference).status == HoldStatus.RELEASED
    assert charges() == []
    assert available_credits(persona.organization) == GRANT
    assert wallet_for(persona.organization).balance == GRANT
    assert_books_balance(wallet_for(persona.organization))


# --- Whole jobs -----------------------------------------------------------------------------


@pytest.mark.parametrize(("retry_after", "waited"), [(30, 30), (3600, 600)])
def test_a_429_requeues_the_job_for_when_the_upstream_asked_and_no_worker_gets_it_sooner(
    openai_only, upstream, alice, retry_after, waited
):
    upstream.fail(Fault.rate_limited(retry_after=retry_after))
    job_id = submitted(alice, model="openai")
    before = timezone.now()
    job_run(job_id)
    after = timezone.now()

    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.attempts, job.progress, job.lease_expires_at) == (
        JobStatus.QUEUED, 1, 0, None,
    )  # fmt: skip
    # The upstream's wait beats the schedule's half second; an hour is believed for ten minutes.
    assert job.retry_at is not None
    assert before + timedelta(seconds=waited) <= job.retry_at <= after + timedelta(seconds=waited)
    assert waiting_tasks() == [("jobs.tasks.transcribe_job", [job_id], job.retry_at)]
    assert get_broker().dequeue() is None  # what an idle worker gets now: nothing
    assert attempts(job_id) == [(None, "openai", AttemptOutcome.TRANSIENT, 429)]
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/").json()
    assert (body["status"], body["progress"]) == ("queued", 0)
    assert Hold.objects.get(reference=job.billing_reference).status == HoldStatus.ACTIVE


def test_a_duplicate_task_before_retry_at_does_not_claim_the_job(openai_only, upstream, alice):
    upstream.fail(Fault.rate_limited(retry_after=30))
    job_id = submitted(alice, model="openai")
    job_run(job_id)
    retry_at = TranscriptionJob.objects.get(pk=job_id).retry_at

    job_run(job_id)  # the same task delivered again
    assert job_claim(job_id) is None

    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.attempts, job.retry_at) == (JobStatus.QUEUED, 1, retry_at)
    assert len(upstream.requests) == 1
    assert len(attempts(job_id)) == 1


def test_once_retry_at_has_passed_the_job_runs_again_and_is_charged_once(
    openai_only, upstream, alice
):
    upstream.fail(Fault.status(503))
    job_id = submitted(alice, model="openai")
    before = timezone.now()
    job_run(job_id)

    retry_at = TranscriptionJob.objects.get(pk=job_id).retry_at
    assert retry_at is not None
    # The schedule's first pause, 0.5 s ± 20%.
    assert before + timedelta(seconds=0.4) <= retry_at <= timezone.now() + timedelta(seconds=0.6)
    assert run_due_tasks() == 0
    wait_until(retry_at)
    assert run_due_tasks() == 1

    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.attempts, job.retry_at) == (JobStatus.COMPLETED, 2, None)
    assert job_text(job) == " ".join(WORDS)
    assert attempts(job_id) == [
        (None, "openai", AttemptOutcome.TRANSIENT, 503),
        (None, "openai", AttemptOutcome.SUCCEEDED, None),
    ]
    first, second = upstream.requests
    assert second.at - first.at >= 0.4
    assert charges() == [-JFK_PRICE]
    assert Hold.objects.get(reference=job.billing_reference).status == HoldStatus.CAPTURED
    assert available_credits(alice.organization) == GRANT - JFK_PRICE
    assert_books_balance(wallet_for(alice.organization))
    assert waiting_tasks() == []


def test_when_the_last_attempt_fails_too_the_job_fails_uncharged_with_the_providers_message(
    openai_only, upstream, alice
):
    openai_only.HARK_JOB_MAX_ATTEMPTS = 2
    upstream.fail(Fault.status(500), Fault.status(500))
    job_id = submitted(alice, model="openai")
    job_run(job_id)
    wait_until(TranscriptionJob.objects.get(pk=job_id).retry_at)
    assert run_due_tasks() == 1

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.attempts == 2
    assert job.error_message.startswith("No speech service could transcribe this right now")
    assert "openai: The openai speech service is having trouble (HTTP 500)" in job.error_message
    assert_failed_uncharged(alice, job)
    assert waiting_tasks() == []  # nothing more is queued
    assert attempts(job_id) == [(None, "openai", AttemptOutcome.TRANSIENT, 500)] * 2
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/").json()
    assert (body["status"], body["error_message"]) == ("failed", job.error_message)


def test_a_permanent_failure_fails_the_job_at_once_without_a_retry(openai_only, upstream, alice):
    upstream.fail(Fault.status(400))
    job_id = submitted(alice, model="openai")
    job_run(job_id)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.attempts == 1
    assert "could not transcribe" in job.error_message
    assert_failed_uncharged(alice, job)
    assert waiting_tasks() == []


def test_a_provider_whose_circuit_is_open_is_waited_for(openai_only, upstream, alice):
    open_until = timezone.now() + timedelta(seconds=45)
    ProviderHealth.objects.create(provider="openai", consecutive_failures=5, open_until=open_until)
    job_id = submitted(alice, model="openai")
    job_run(job_id)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.QUEUED
    assert upstream.requests == []
    assert attempts(job_id) == [(None, "openai", AttemptOutcome.SKIPPED, None)]
    # Not half a second later, when it would only be skipped again.
    assert job.retry_at is not None
    assert abs((job.retry_at - open_until).total_seconds()) < 1


def test_the_sweeper_queues_a_retry_whose_delayed_task_never_ran(openai_only, upstream, alice):
    upstream.fail(Fault.status(502))
    job_id = submitted(alice, model="openai")
    job_run(job_id)
    # A broker that cannot delay a task ran it at once, and the claim refused it.
    OrmQ.objects.all().delete()
    assert jobs_recover_abandoned() == 0  # not overdue yet

    overdue = timezone.now() - timedelta(seconds=31)
    TranscriptionJob.objects.filter(pk=job_id).update(retry_at=overdue)
    assert jobs_recover_abandoned() == 1
    assert jobs_recover_abandoned() == 0  # queued once
    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.retry_at) == (JobStatus.QUEUED, None)
    assert run_due_tasks() == 1
    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.attempts) == (JobStatus.COMPLETED, 2)
    assert charges() == [-JFK_PRICE]


# --- Chunks of long jobs ----------------------------------------------------------------------

# 123 s of tone bursts standing for words; cut into six or seven chunks of about 20 s.
BURSTS = [(round(1.0 + i * 2.0, 3), 0.30 + 0.05 * (i % 10)) for i in range(60)]


@pytest.fixture
def tones(tmp_path) -> Path:
    return write_bursts(tmp_path / "tones.wav", seconds=123.0, bursts_at=BURSTS)


@pytest.fixture
def chunking(openai_only):
    with OpenAIUpstream(bursts).running() as server:
        openai_only.HARK_OPENAI_BASE_URL = server.base_url
        openai_only.HARK_OPENAI_API_KEY = server.key
        openai_only.HARK_UPSTREAM_CHUNK_SECONDS = 20
        yield server


def chunked_job(persona, tones: Path) -> tuple[Any, list[TranscriptionChunk]]:
    """A long job cut into chunks, their tasks taken off the queue."""
    job_id: Any = submitted(persona, tones, model="openai")
    job_run(job_id)
    OrmQ.objects.all().delete()
    chunks = list(TranscriptionChunk.objects.filter(job_id=job_id).order_by("index"))
    assert len(chunks) >= 6
    return job_id, chunks


def test_a_rate_limited_chunk_waits_for_its_retry_after_and_a_duplicate_task_is_refused(
    chunking, alice, tones
):
    job_id, chunks = chunked_job(alice, tones)
    chunking.fail(Fault.rate_limited(retry_after=30))
    before = timezone.now()
    chunk_run(chunks[0].pk, 1)
    after = timezone.now()

    chunk = TranscriptionChunk.objects.get(pk=chunks[0].pk)
    assert (chunk.status, chunk.attempts, chunk.lease_expires_at) == (ChunkStatus.QUEUED, 1, None)
    assert chunk.retry_at is not None
    assert before + timedelta(seconds=30) <= chunk.retry_at <= after + timedelta(seconds=30)
    assert waiting_tasks() == [("jobs.tasks.transcribe_chunk", [chunk.pk, 1], chunk.retry_at)]
    assert get_broker().dequeue() is None

    chunk_run(chunks[0].pk, 1)  # delivered twice
    assert TranscriptionChunk.objects.get(pk=chunk.pk).attempts == 1
    assert len(chunking.requests) == 1

    # The upstream's circuit stays open as long as it asked: the next chunk is not sent
    # there, and waits as long instead of half a second.
    chunk_run(chunks[1].pk, 1)
    second = TranscriptionChunk.objects.get(pk=chunks[1].pk)
    assert (second.status, second.attempts) == (ChunkStatus.QUEUED, 1)
    assert second.retry_at is not None
    assert abs((second.retry_at - chunk.retry_at).total_seconds()) < 1
    assert len(chunking.requests) == 1
    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.chunks_done) == (JobStatus.PROCESSING, 0)


def test_a_chunk_runs_again_once_due_and_the_job_is_charged_once(chunking, alice, tones):
    job_id, chunks = chunked_job(alice, tones)
    for other in chunks[1:]:
        chunk_run(other.pk, 1)
    chunking.fail(Fault.status(503))
    chunk_run(chunks[0].pk, 1)
    assert TranscriptionJob.objects.get(pk=job_id).status == JobStatus.PROCESSING
    retry_at = TranscriptionChunk.objects.get(pk=chunks[0].pk).retry_at
    assert retry_at is not None
    assert run_due_tasks() == 0
    wait_until(retry_at)
    assert run_due_tasks() == 1

    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.attempts) == (JobStatus.COMPLETED, 1), job.error_message
    first = TranscriptionChunk.objects.get(pk=chunks[0].pk)
    assert (first.attempts, first.retry_at) == (2, None)
    assert [a for a in attempts(job_id) if a[0] == 0] == [
        (0, "openai", AttemptOutcome.TRANSIENT, 503),
        (0, "openai", AttemptOutcome.SUCCEEDED, None),
    ]
    assert len(chunking.requests) == len(chunks) + 1
    [charge] = charges()
    assert charge == -job.credits_used
    assert Hold.objects.get(reference=job.billing_reference).status == HoldStatus.CAPTURED
    assert_books_balance(wallet_for(alice.organization))


def test_a_chunk_that_fails_every_attempt_fails_the_job_uncharged(
    openai_only, chunking, alice, tones
):
    openai_only.HARK_JOB_MAX_ATTEMPTS = 2
    job_id, chunks = chunked_job(alice, tones)
    chunking.fail(Fault.status(500), Fault.status(500))
    chunk_run(chunks[0].pk, 1)
    wait_until(TranscriptionChunk.objects.get(pk=chunks[0].pk).retry_at)
    assert run_due_tasks() == 1

    job = TranscriptionJob.objects.get(pk=job_id)
    assert "No speech service could transcribe this right now" in job.error_message
    assert_failed_uncharged(alice, job)
    chunk_run(chunks[1].pk, 1)  # the other chunks' tasks find nothing to do
    assert len(chunking.requests) == 2


def test_the_sweeper_queues_a_chunk_whose_delayed_task_never_ran(chunking, alice, tones):
    job_id, chunks = chunked_job(alice, tones)
    chunking.fail(Fault.status(502))
    chunk_run(chunks[0].pk, 1)
    OrmQ.objects.all().delete()
    assert jobs_recover_abandoned() == 0

    overdue = timezone.now() - timedelta(seconds=31)
    TranscriptionChunk.objects.filter(pk=chunks[0].pk).update(retry_at=overdue)
    assert jobs_recover_abandoned() == 1
    assert waiting_tasks() == [
        ("jobs.tasks.transcribe_chunk", [chunks[0].pk, 1], waiting_tasks()[0][2])
    ]
    assert TranscriptionChunk.objects.get(pk=chunks[0].pk).retry_at is None
    assert run_due_tasks() == 1
    assert TranscriptionChunk.objects.get(pk=chunks[0].pk).status == ChunkStatus.COMPLETED
    for other in chunks[1:]:
        chunk_run(other.pk, 1)
    assert TranscriptionJob.objects.get(pk=job_id).status == JobStatus.COMPLETED
    assert len(charges()) == 1


# --- On a real worker -------------------------------------------------------------------------


@pytest.mark.worker
def test_on_a_real_worker_a_waiting_job_holds_no_worker_and_runs_when_due(
    alice, start_worker, settings
):
    with OpenAIUpstream(canned(WORDS)).running() as upstream:
        env = {
            "HARK_ENGINES": "local,openai",
            "HARK_OPENAI_BASE_URL": upstream.base_url,
            "HARK_OPENAI_API_KEY": upstream.key,
            "HARK_OPENAI_MODEL": "whisper-1",
            "HARK_MAX_RETRY_AFTER_SECONDS": "1",
            "HARK_JOB_RETRY_SCHEDULE": "0.5",
        }
        settings.HARK_ENGINES = ["local", "openai"]
        settings.HARK_OPENAI_BASE_URL = upstream.base_url
        settings.HARK_OPENAI_API_KEY = upstream.key
        settings.HARK_OPENAI_MODEL = "whisper-1"
        start_worker(**env)  # one worker process
        upstream.fail(Fault.rate_limited(retry_after=12))
        waiting = upload(alice, model="openai").json()["id"]
        wait_for(lambda: TranscriptionJob.objects.get(pk=waiting).retry_at, timeout=60)

        # While the first waits, the only worker is free for another job (on this
        # server's engine: openai's circuit stays open as long as it asked).
        other = upload(alice, model="local").json()["id"]
        wait_for(lambda: TranscriptionJob.objects.get(pk=other).is_finished, timeout=30)
        job = TranscriptionJob.objects.get(pk=waiting)
        assert (job.status, job.attempts) == (JobStatus.QUEUED, 1)
        assert job.retry_at is not None
        assert job.retry_at > timezone.now()

        wait_for(lambda: TranscriptionJob.objects.get(pk=waiting).is_finished, timeout=60)
        first, second = upstream.requests
    job = TranscriptionJob.objects.get(pk=waiting)
    assert (job.status, job.attempts, job.retry_at) == (JobStatus.COMPLETED, 2, None)
    assert second.at - first.at >= 12
    assert TranscriptionJob.objects.get(pk=other).status == JobStatus.COMPLETED
    assert LedgerEntry.objects.filter(kind=EntryKind.CHARGE).count() == 2
    assert_books_balance(wallet_for(alice.organization))
