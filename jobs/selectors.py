"""Reads for jobs. Every query takes the organization first and filters by it in SQL,
so another organization's job is indistinguishable from a missing one."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet

from accounts.models import Organization
from jobs.errors import JobNotFound
from jobs.models import TranscriptionJob


def jobs_for(organization: Organization) -> QuerySet[TranscriptionJob]:
    return TranscriptionJob.objects.filter(organization=organization)


def job_get(organization: Organization, job_id: object) -> TranscriptionJob:
    try:
        pk = job_id if isinstance(job_id, uuid.UUID) else uuid.UUID(str(job_id))
    except ValueError:
        raise JobNotFound() from None
    job = jobs_for(organization).filter(pk=pk).first()
    if job is None:
        raise JobNotFound()
    return job
