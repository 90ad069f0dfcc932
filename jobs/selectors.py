"""Reads for jobs. Every query takes the organization first and filters by it in SQL,
so another organization's job is indistinguishable from a missing one."""

from __future__ import annotations

import json
import uuid
from typing import Any

from django.db.models import Aggregate, OuterRef, QuerySet, Subquery, TextField
from django.db.models.functions import Lower

from accounts.models import Organization
from jobs.errors import JobNotFound, TagNotFound
from jobs.models import Tag, TranscriptionJob
from jobs.transcripts.selectors import with_transcript_stamp


def jobs_for(organization: Organization) -> QuerySet[TranscriptionJob]:
    return TranscriptionJob.objects.filter(organization=organization)


# What a status poll reads of its job (jobs.api.results.job_detail_output and the
# transcript it shows): most of a job's columns are the worker's, not the client's.
STATUS_FIELDS = (
    "id", "organization_id", "status", "progress", "original_filename", "engine",
    "created_at", "finished_at", "estimated_credits", "credits_used", "source_url",
    "trim_start", "trim_end", "chunks_total", "chunks_done", "providers",
    "duration_seconds", "language", "summary_requested", "error_message", "job_type",
    "timestamps", "word_timestamps", "translate_to", "translation_credits", "name",
)  # fmt: skip


class _JsonArrayOf(Aggregate):
    """The aggregated values as one JSON array, as text, on SQLite and PostgreSQL."""

    function = "JSON_GROUP_ARRAY"
    output_field = TextField()

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        template = "%(function)s(%(expressions)s)::text"
        return self.as_sql(compiler, connection, function="JSON_AGG", template=template)


def with_tag_names(jobs: QuerySet[TranscriptionJob]) -> QuerySet[TranscriptionJob]:
    """``jobs`` with their tags' names read in the same query (``job_tag_names`` uses
    them), so a status poll costs no query for its tags."""
    through = TranscriptionJob.tags.through
    names = (
        through.objects.filter(transcriptionjob_id=OuterRef("pk"))
        .values("transcriptionjob_id")
        .annotate(names=_JsonArrayOf("tag__name"))
        # django-stubs cannot see annotations of an auto-created through model.
        .values("names")  # type: ignore[misc]
    )
    return jobs.annotate(tag_names_json=Subquery(names[:1]))


def tag_names_read(job: TranscriptionJob) -> list[str] | None:
    """The names ``with_tag_names`` read, or None when the job was read without them."""
    if not hasattr(job, "tag_names_json"):
        return None
    return list(json.loads(job.tag_names_json)) if job.tag_names_json else []


def job_get(
    organization: Organization, job_id: object, *, fields: tuple[str, ...] | None = None
) -> TranscriptionJob:
    """The organization's job by id (JobNotFound otherwise). ``fields`` narrows the read
    for a status poll (``STATUS_FIELDS``; another field read later costs a query), and
    brings the current transcript's stamp along (``with_transcript_stamp``)."""
    try:
        pk = job_id if isinstance(job_id, uuid.UUID) else uuid.UUID(str(job_id))
    except ValueError:
        raise JobNotFound() from None
    jobs = jobs_for(organization).filter(pk=pk)
    if fields is not None:
        jobs = with_tag_names(with_transcript_stamp(jobs.only(*fields)))
    try:
        # get(), not first(): by primary key there is nothing to order, and a poll
        # should not pay for building the model's default ORDER BY.
        return jobs.get()
    except TranscriptionJob.DoesNotExist:
        raise JobNotFound() from None


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
