"""Customer- and staff-driven changes to a job: cancel and delete (permissions here,
the transition itself in ``jobs.lifecycle``)."""

from __future__ import annotations

from contextlib import suppress
from datetime import datetime
from typing import Protocol

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from accounts.permissions import ActorLike, Capability, allowed, as_actor, require
from billing.services import hold_release
from jobs.errors import JobConflict, JobNotFound
from jobs.lifecycle import transcription as lifecycle
from jobs.lifecycle.transcription import CANCELABLE as CANCELABLE
from jobs.models import FINISHED_STATUSES, TranscriptionJob
from jobs.selectors import job_get


@transaction.atomic
def job_cancel(*, organization: Organization, job_id: object, actor: ActorLike) -> TranscriptionJob:
    """Cancel a queued or running job and release its hold. Every member may (None:
    the operator or staff).

    A running worker notices at its next heartbeat (its conditional update no longer
    matches) and stops without charging.
    """
    job = job_get(organization, job_id)
    require(actor, organization, Capability.JOBS_CANCEL)
    if not lifecycle.job_cancel(job):
        raise JobConflict(f"This job is already {job.status} and cannot be canceled.")
    job.refresh_from_db()
    return job


def job_delete(*, organization: Organization, job_id: object, actor: ActorLike) -> None:
    """Delete a job's media and transcript. A job still in flight is canceled first.

    Members may delete what they submitted (in person or with a key they created);
    owners and admins anyone's."""
    job = job_get(organization, job_id)
    require(actor, organization, Capability.JOBS_DELETE)
    if not allowed(actor, organization, Capability.JOBS_DELETE_ANY) and not submitted_by(
        job, actor
    ):
        require(actor, organization, Capability.JOBS_DELETE_ANY)
    with transaction.atomic():
        if job.status in CANCELABLE:
            # It may have finished meanwhile; deleting is still what was asked.
            with suppress(JobConflict):
                job_cancel(organization=organization, job_id=job.pk, actor=actor)
        # Its translations are deleted with it; one still in flight holds credits.
        for translation in job.translations.filter(status__in=CANCELABLE):
            hold_release(reference=translation.billing_reference)
        media_name = job.media.name
        # A long job's chunk files, when it is deleted before they were cleaned up.
        names = [media_name, *job.chunks.exclude(media="").values_list("media", flat=True)]
        deleted, _ = TranscriptionJob.objects.filter(organization=organization, pk=job.pk).delete()
        if not deleted:
            raise JobNotFound()
        transaction.on_commit(lambda: delete_stored_files(names))


def job_media_delete(
    *, organization: Organization, job_id: object, actor: ActorLike, now: datetime | None = None
) -> bool:
    """Delete a finished job's media (and any chunk files left) but keep the job, its
    transcript and translations; False when it had none left to delete.

    Retention's way of removing audio: the job page and the player then say when it went.
    A job still in flight is refused (JobConflict): its worker is reading the media and
    its hold is active."""
    job = job_get(organization, job_id)
    require(actor, organization, Capability.JOBS_DELETE_ANY)
    if not job.is_finished:
        raise JobConflict(f"This job is {job.status}; its audio is deleted once it has finished.")
    with transaction.atomic():
        names = [job.media.name, *job.chunks.exclude(media="").values_list("media", flat=True)]
        cleared = (
            TranscriptionJob.objects.filter(
                organization=organization, pk=job.pk, status__in=FINISHED_STATUSES
            )
            .exclude(media="")
            .update(media="", media_deleted_at=now or timezone.now())
        )
        if not cleared:
            return False
        job.chunks.exclude(media="").update(media="")
        transaction.on_commit(lambda: delete_stored_files(names))
    return True


class Submitted(Protocol):
    """Anything a member submits: a transcription job or a translation."""

    created_by_id: int | None
    api_key_id: int | None


def submitted_by(job: Submitted, actor: ActorLike) -> bool:
    """Whether ``actor`` submitted ``job``: the person, or a key of theirs, or the key."""
    who = as_actor(actor)
    if who.api_key is not None:
        person = who.api_key.created_by_id
        return job.api_key_id == who.api_key.pk or (
            person is not None and job.created_by_id == person
        )
    return who.user is not None and job.created_by_id == who.user.pk


def delete_stored_files(names: list[str | None]) -> None:
    """Remove these media files from storage (after the deleting transaction commits)."""
    for name in names:
        if name:
            default_storage.delete(name)
