"""A cluster killed after taking a task from the queue, before any worker started it:
no lease runs out (nothing was claimed), and django-q2 would hand the task out again
only after its retry period, hours later. The sweeper hands it back after two minutes,
and only while its job or chunk is still waiting to start."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.db.models import F
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ

from jobs.lifecycle.common import retry_time
from jobs.lifecycle.transcription import job_claim
from jobs.models import ChunkStatus, JobStatus, TranscriptionChunk, TranscriptionJob
from jobs.services.stalled import STALLED_SECONDS
from jobs.services.worker import job_run, jobs_recover_abandoned
from lib.queue import enqueue_not_before
from tests.audio_fixtures import concatenated_speech
from tests.conftest import wait_for
from tests.test_api_transcribe import upload
from tests.test_job_retry_backoff import run_due_tasks, waiting_tasks

pytestmark = pytest.mark.django_db(transaction=True)


def taken_by_a_cluster_that_dies() -> list[int]:
    """What a cluster's pusher does: lock the queued rows for django-q2's retry period;
    then the cluster is gone."""
    taken = [row_id for row_id, _ in get_broker().dequeue() or []]
    assert taken
    return taken


def as_if_taken(seconds_ago: float) -> None:
    OrmQ.objects.update(lock=F("lock") - timedelta(seconds=seconds_ago))


def available() -> list[str]:
    return [func for func, _, lock in waiting_tasks() if lock <= timezone.now()]


def test_a_job_task_a_dead_cluster_took_is_handed_back_after_two_minutes(alice):
    job_id = upload(alice).json()["id"]
    taken_by_a_cluster_that_dies()

    assert jobs_recover_abandoned() == 0  # a live cluster would start it any moment
    as_if_taken(STALLED_SECONDS - 10)
    assert jobs_recover_abandoned() == 0
    assert available() == []

    as_if_taken(20)
    assert jobs_recover_abandoned() == 1
    assert available() == ["jobs.tasks.transcribe_job"]
    assert run_due_tasks() == 1
    job = TranscriptionJob.objects.get(pk=job_id)
    assert (job.status, job.attempts) == (JobStatus.COMPLETED, 1)


def test_the_copy_the_first_cluster_still_runs_later_changes_nothing(alice):
    job_id = upload(alice).json()["id"]
    taken_by_a_cluster_that_dies()
    as_if_taken(STALLED_SECONDS + 10)
    assert jobs_recover_abandoned() == 1
    assert run_due_tasks() == 1
    finished = TranscriptionJob.objects.get(pk=job_id)

    job_run(job_id)  # the busy cluster's copy, at last

    again = TranscriptionJob.objects.get(pk=job_id)
    assert (again.status, again.attempts, again.credits_used) == (
        JobStatus.COMPLETED,
        1,
        finished.credits_used,
    )


def test_a_running_job_and_a_delayed_retry_are_left_alone(alice):
    running = upload(alice).json()["id"]
    taken_by_a_cluster_that_dies()
    assert job_claim(running) is not None  # a long job: its task stays taken for hours
    waiting = upload(alice).json()["id"]
    OrmQ.objects.filter(lock__lte=timezone.now()).delete()
    retry_at = retry_time(1, retry_after=3600)
    TranscriptionJob.objects.filter(pk=waiting).update(retry_at=retry_at)
    enqueue_not_before("jobs.tasks.transcribe_job", waiting, not_before=retry_at)

    as_if_taken(STALLED_SECONDS + 10)
    assert jobs_recover_abandoned() == 0
    assert available() == []


def test_a_chunk_task_taken_between_two_chunks_is_handed_back(alice, tmp_path: Path):
    job_id = upload(alice, concatenated_speech(90, tmp_path / "ninety.wav")).json()["id"]
    OrmQ.objects.all().delete()  # the job's own task, run here:
    job_run(job_id)  # cut into chunks, one task each
    chunks = TranscriptionChunk.objects.filter(job_id=job_id)
    assert chunks.count() >= 3
    taken_by_a_cluster_that_dies()

    as_if_taken(STALLED_SECONDS + 10)
    assert jobs_recover_abandoned() == 1
    while run_due_tasks():
        pass
    wait_for(lambda: TranscriptionJob.objects.get(pk=job_id).is_finished, timeout=5)
    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED
    assert set(chunks.values_list("status", flat=True)) == {ChunkStatus.COMPLETED}
