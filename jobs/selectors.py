"""Reads for jobs. Every query takes the organization first and filters by it in SQL,
so another organization's job is indistinguishable from a missing one."""

from __future__ import annotations

import uuid

from django.db.models import F, Min, QuerySet, Sum

from accounts.models import Organization
from jobs.errors import JobNotFound
from jobs.models import TranscriptionJob, TranscriptSegment


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


def job_segments(job: TranscriptionJob) -> QuerySet[TranscriptSegment]:
    return TranscriptSegment.objects.filter(job=job).order_by("index")


def job_speaking_times(job: TranscriptionJob) -> list[tuple[str, float]]:
    """Each speaker's total speaking time, in order of first appearance: summed by the
    database, so a status poll does not load every segment and its words."""
    rows = (
        TranscriptSegment.objects.filter(job=job)
        .exclude(speaker="")
        .values("speaker")
        .annotate(seconds=Sum(F("end") - F("start")), first=Min("index"))
        .order_by("first")
    )
    return [(row["speaker"], float(row["seconds"])) for row in rows]
