"""Reads for jobs. Every query takes the organization first and filters by it in SQL,
so another organization's job is indistinguishable from a missing one."""

from __future__ import annotations

import uuid

from django.db.models import QuerySet
from django.db.models.functions import Lower

from accounts.models import Organization
from jobs.errors import JobNotFound, TagNotFound
from jobs.models import Tag, TranscriptionJob


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


def tags_for(organization: Organization) -> QuerySet[Tag]:
    # Ordered here, not by Meta.ordering, which Django drops from aggregated queries.
    return Tag.objects.filter(organization=organization).order_by(Lower("name"), "id")


def tag_get(organization: Organization, tag_id: object) -> Tag:
    try:
        pk = int(str(tag_id))
    except ValueError:
        raise TagNotFound() from None
    tag = tags_for(organization).filter(pk=pk).first()
    if tag is None:
        raise TagNotFound()
    return tag


def tag_named(organization: Organization, name: str) -> Tag | None:
    """The organization's tag called ``name``, whatever its case."""
    return tags_for(organization).filter(name__iexact=name).first()
