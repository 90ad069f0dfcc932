"""The worker's claim/heartbeat/finish protocol: redelivery, cancellation and lost
leases can never finish a job twice or charge it twice."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from billing.selectors import available_credits
from jobs.engines.base import Segment, TranscriptionResult, Word
from jobs.lifecycle.common import JobLost
from jobs.lifecycle.transcription import job_claim, job_complete, job_fail, job_heartbeat
from jobs.models import JobStatus, TranscriptionJob
from jobs.services.lifecycle import job_cancel
from jobs.services.worker import job_run, jobs_recover_abandoned
from jobs.transcripts.selectors import job_text, transcript_read
from tests.test_api_transcribe import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(alice) -> TranscriptionJob:
    return TranscriptionJob.objects.get(pk=upload(alice).json()["id"])


def result(duration: float = 11.0) -> TranscriptionResult:
    words = (Word("hello", 0.5, 0.9, 0.9), Word("world", 1.0, 1.4, 0.8))
    return TranscriptionResult(
        segments=[Segment(0.5, 1.4, "hello world", 0.85, words)],
        language="en", duration=duration, engine="local",
    )  # fmt: skip


def charges() -> list[LedgerEntry]:
    return list(LedgerEntry.objects.filter(kind=EntryKind.CHARGE))


def test_a_job_can_be_claimed_once(job):
    claim = job_claim(str(job.id))
    assert claim is not None
    assert claim.attempt == 1
    assert job_claim(str(job.id)) is None
    job.refresh_from_db()
    assert job.status == JobStatus.PROCESSING
    assert job.lease_expires_at is not None


def test_completing_twice_charges_once(job):
    claim = job_claim(str(job.id))
    assert claim is not None
    assert job_complete(claim, result()) is True
    assert job_complete(claim, result()) is False
    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    assert job.progress == 100
    assert job_text(job) == "hello world"
    assert job.credits_used == Decimal("0.19")
    assert [e.amount for e in charges()] == [Decimal("-0.19")]
    view = transcript_read(job)
    assert view is not None
    assert len(view.segments) == 1


def test_a_redelivered_task_for_a_finished_job_does_nothing(job):
    claim = job_claim(str(job.id))
    assert claim is not None
    assert job_complete(claim, result())
    job_run(str(job.id))  # would transcribe again if it could claim
    job.refresh_from_db()
    assert job.attempts == 1
    assert len(charges()) == 1


def test_cancel_mid_run_stops_the_worker_and_charges_nothing(job, alice):
    claim = job_claim(str(job.id))
    assert claim is not None
    job_cancel(organization=alice.organization, job_id=job.id, actor=None)
    with pytest.raises(JobLost):
        job_heartbeat(claim, fraction=0.5)
    assert job_complete(claim, result()) is False
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELED
    assert charges() == []
    assert available_credits(alice.organization) == Decimal("60")


def test_a_worker_whose_lease_was_taken_over_cannot_finish(job):
    first = job_claim(str(job.id))
    assert first is not None
    TranscriptionJob.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    second = job_claim(str(job.id))
    assert second is not None
    assert second.attempt == 2
    with pytest.raises(JobLost):
        job_heartbeat(first, fraction=0.9)
    assert job_complete(first, result()) is False
    assert job_complete(second, result()) is True
    assert len(charges()) == 1


def test_failure_releases_the_hold_and_keeps_the_message(job, alice):
    claim = job_claim(str(job.id))
    assert claim is not None
    assert job_fail(job, "The file is damaged after 00:04.", attempt=claim.attempt)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_message.startswith("The file is damaged")
    assert Hold.objects.get(reference=job.billing_reference).status == HoldStatus.RELEASED
    assert charges() == []
    assert available_credits(alice.organization) == Decimal("60")
    body = alice.client().get(f"/api/v1/transcribe/{job.id}/").json()
    assert body["status"] == "failed"
    assert body["error_message"] == job.error_message


def test_the_sweeper_requeues_abandoned_jobs_and_fails_exhausted_ones(job, settings, alice):
    claim = job_claim(str(job.id))
    assert claim is not None
    OrmQ.objects.all().delete()
    TranscriptionJob.objects.filter(pk=job.pk).update(
        lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert jobs_recover_abandoned() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.QUEUED
    assert OrmQ.objects.count() == 1

    settings.HARK_JOB_MAX_ATTEMPTS = 1
    TranscriptionJob.objects.filter(pk=job.pk).update(
        status=JobStatus.PROCESSING, lease_expires_at=timezone.now() - timedelta(seconds=1)
    )
    assert jobs_recover_abandoned() == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "not been charged" in job.error_message
    assert available_credits(alice.organization) == Decimal("60")


def test_segments_carry_times_unless_timestamps_were_declined(alice):
    for timestamps in ("true", "false"):
        job_id = upload(alice, timestamps=timestamps, summary="true").json()["id"]
        claim = job_claim(job_id)
        assert claim is not None
        job_complete(claim, result())
        body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()
        [segment] = body["segments"]
        assert segment["text"] == "hello world"
        assert ("start" in segment) is (timestamps == "true")
        # One sentence has no extract shorter than itself; its topics are its own words.
        assert body["summary"] == ""
        assert body["topics"]
        assert all(set(topic.lower().split()) <= {"hello", "world"} for topic in body["topics"])
