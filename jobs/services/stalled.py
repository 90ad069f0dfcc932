"""Tasks that a lost or busy cluster took from the queue, handed back by the sweeper.

django-q2 takes a task from the queue before one of its workers is free for it. If the
cluster is killed just then (between two chunks of a long job, say), no lease runs out
(nothing was claimed yet) and the task's queue row stays locked for django-q2's retry
period, hours. The sweeper hands such a task back once its job or chunk has waited
``STALLED_SECONDS`` after it was taken; a second run of the same task later finds
nothing to claim.
"""

from __future__ import annotations

from django.utils import timezone

from jobs.lifecycle.chunk import chunk_waiting
from jobs.lifecycle.fetching import fetch_waiting
from jobs.lifecycle.transcription import job_waiting
from jobs.models import TranscriptionChunk, TranscriptionJob
from lib.queue import stalled_tasks_release

# Two sweeps: a live cluster hands a task to a free worker within a second.
STALLED_SECONDS = 120


def _job_waiting(job_id: str) -> bool:
    return TranscriptionJob.objects.filter(job_waiting(timezone.now()), pk=job_id).exists()


def _fetch_waiting(job_id: str) -> bool:
    return TranscriptionJob.objects.filter(fetch_waiting(), pk=job_id).exists()


def _chunk_waiting(chunk_id: int, job_attempt: int) -> bool:
    waiting = chunk_waiting(chunk_id, job_attempt, timezone.now())
    return TranscriptionChunk.objects.filter(waiting).exists()


def stalled_tasks_requeue() -> int:
    """Hand back the job, fetch and chunk tasks taken long ago whose work has not started."""
    return stalled_tasks_release(
        {
            "jobs.tasks.transcribe_job": _job_waiting,
            "jobs.tasks.fetch_job": _fetch_waiting,
            "jobs.tasks.transcribe_chunk": _chunk_waiting,
        },
        taken_for_seconds=STALLED_SECONDS,
    )
