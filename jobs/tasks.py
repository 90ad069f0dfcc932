"""django-q2 tasks: thin wrappers that take ids and call a service."""

from __future__ import annotations

from jobs.services.chunks import chunk_run
from jobs.services.parked import parked_resume
from jobs.services.url_intake import job_fetch_run
from jobs.services.worker import job_run, jobs_recover_abandoned


def transcribe_job(job_id: str) -> None:
    job_run(job_id)


def fetch_job(job_id: str) -> None:
    job_fetch_run(job_id)


def transcribe_chunk(chunk_id: int, job_attempt: int) -> None:
    chunk_run(chunk_id, job_attempt)


def recover_abandoned_jobs() -> int:
    return jobs_recover_abandoned()


def resume_parked(job_id: str, provider: str, reference: str) -> None:
    parked_resume(job_id=job_id, provider=provider, reference=reference)
