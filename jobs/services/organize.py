"""Naming and tagging jobs so an organization finds them again.

Every function takes the organization first and looks the job and the tag up inside
it, so another organization's job or tag id is a 404, never a write; every member may
organize (``Capability.JOBS_ORGANIZE``), checked here so the API, the pages and the
admin agree.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from accounts.models import Organization
from accounts.permissions import ActorLike, Capability, require
from jobs.errors import InvalidJobRequest
from jobs.models import Tag, TranscriptionJob
from jobs.selectors import job_get, tag_get, tag_named

NAME_MAX = 200
TAG_MAX = 40
# A job carries a handful of tags; more is a sign of a client gone wrong.
TAGS_PER_JOB_MAX = 20


def _collapsed(text: str) -> str:
    return " ".join(text.split())


def tag_name_clean(name: str) -> str:
    """A tag name as stored: spaces collapsed, 1 to 40 characters."""
    cleaned = _collapsed(name)
    if not cleaned:
        raise InvalidJobRequest("A tag needs a name.")
    if len(cleaned) > TAG_MAX:
        raise InvalidJobRequest(f"Tag names are at most {TAG_MAX} characters long.")
    return cleaned


def job_rename(
    *, organization: Organization, job_id: object, name: str, actor: ActorLike
) -> TranscriptionJob:
    """Give a job a display name; an empty name shows the file name again."""
    job = job_get(organization, job_id)
    require(actor, organization, Capability.JOBS_ORGANIZE)
    cleaned = _collapsed(name)
    if len(cleaned) > NAME_MAX:
        raise InvalidJobRequest(f"A name is at most {NAME_MAX} characters long.")
    job.name = cleaned
    job.save(update_fields=["name"])
    return job


def tag_create(*, organization: Organization, name: str, actor: ActorLike) -> tuple[Tag, bool]:
    """The organization's tag called ``name`` (any case), created when it is new."""
    require(actor, organization, Capability.JOBS_ORGANIZE)
    cleaned = tag_name_clean(name)
    existing = tag_named(organization, cleaned)
    if existing is not None:
        return existing, False
    # Two members creating the same tag at once: the unique constraint lets one win.
    with transaction.atomic():
        tag, created = Tag.objects.get_or_create(
            organization=organization, name__iexact=cleaned, defaults={"name": cleaned}
        )
    return tag, created


def tag_delete(*, organization: Organization, tag_id: object, actor: ActorLike) -> None:
    """Delete a tag; the jobs it was on keep everything else."""
    tag = tag_get(organization, tag_id)
    require(actor, organization, Capability.JOBS_ORGANIZE)
    tag.delete()


def job_tag_add(
    *, organization: Organization, job_id: object, name: str, actor: ActorLike
) -> TranscriptionJob:
    """Put the tag called ``name`` on a job, creating the tag when it is new."""
    job = job_get(organization, job_id)
    tag, _ = tag_create(organization=organization, name=name, actor=actor)
    if job.tags.count() >= TAGS_PER_JOB_MAX and not job.tags.filter(pk=tag.pk).exists():
        raise InvalidJobRequest(f"A transcription can carry at most {TAGS_PER_JOB_MAX} tags.")
    job.tags.add(tag)
    return job


def job_tag_remove(
    *, organization: Organization, job_id: object, tag_id: object, actor: ActorLike
) -> TranscriptionJob:
    """Take a tag off a job (the tag stays on the organization's list)."""
    job = job_get(organization, job_id)
    tag = tag_get(organization, tag_id)
    require(actor, organization, Capability.JOBS_ORGANIZE)
    job.tags.remove(tag)
    return job


def job_tags_set(
    *, organization: Organization, job_id: object, names: Iterable[str], actor: ActorLike
) -> TranscriptionJob:
    """Make a job's tags exactly ``names`` (the API's ``tags`` field), creating new ones."""
    job = job_get(organization, job_id)
    require(actor, organization, Capability.JOBS_ORGANIZE)
    cleaned = list(dict.fromkeys(tag_name_clean(name) for name in names))
    if len({name.lower() for name in cleaned}) > TAGS_PER_JOB_MAX:
        raise InvalidJobRequest(f"A transcription can carry at most {TAGS_PER_JOB_MAX} tags.")
    with transaction.atomic():
        tags = [tag_create(organization=organization, name=n, actor=actor)[0] for n in cleaned]
        job.tags.set(tags)
    return job
