"""Waiting for a job from a web request, for synchronous APIs (OpenAI-compatible).

The worker does the work as for any job; the request only polls the database, so a
web process never decodes audio itself.
"""

from __future__ import annotations

import time

from accounts.models import Organization
from jobs.models import TranscriptionJob
from jobs.selectors import job_get

POLL_SECONDS = 0.2


def job_wait(*, organization: Organization, job_id: object, timeout: float) -> TranscriptionJob:
    """The job once it has finished, or as it stands when ``timeout`` runs out."""
    deadline = time.monotonic() + timeout
    while True:
        job = job_get(organization, job_id)
        if job.is_finished or time.monotonic() >= deadline:
            return job
        time.sleep(POLL_SECONDS)
