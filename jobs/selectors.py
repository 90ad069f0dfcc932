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
from lib.prepared import PreparedQuery


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


def _status_poll_query(organization_id: int, pk: uuid.UUID) -> QuerySet[TranscriptionJob]:
    jobs = jobs_for(Organization(pk=organization_id)).filter(pk=pk).only(*STATUS_FIELDS)
    # No ORDER BY: by primary key there is nothing to order.
    return with_tag_names(with_transcript_stamp(jobs)).order_by()


# Compiling this query (two subqueries) cost thirty times what running it does, on every
# poll: it is compiled once per connection instead.
_STATUS_POLL = PreparedQuery(
    "jobs.status_poll",
    _status_poll_query,
    fields=(Organization._meta.pk, TranscriptionJob._meta.pk),
)


def job_get(
    organization: Organization, job_id: object, *, status_only: bool = False
) -> TranscriptionJob:
    """The organization's job by id (JobNotFound otherwise). ``status_only`` narrows the
    read to what a status poll shows (``STATUS_FIELDS``; another field read later costs
    a query), with the current transcript's stamp and the tags' names in the same query."""
    try:
        pk = job_id if isinstance(job_id, uuid.UUID) else uuid.UUID(str(job_id))
    except ValueError:
        raise JobNotFound() from None
    if status_only:
        found = _STATUS_POLL.fetch(organization.pk, pk)
        if not found:
            raise JobNotFound()
        return found[0]
    try:
        # get(), not first(): by primary key there is nothing to order, and a poll
        # should not pay for building the model's default ORDER BY.
        return jobs_for(organization).filter(pk=pk).get()
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
