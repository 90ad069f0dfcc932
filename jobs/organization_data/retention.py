"""Retention: media of finished jobs deleted a chosen number of days after they finished,
and with it, when the owners choose, the whole job (transcripts and translations).

Deletion goes through the job lifecycle (``job_media_delete``, ``job_delete``), the same
services a person's delete uses, so files, chunks and holds are handled in one place.
Only finished jobs are touched: a job in flight still needs its media and holds credits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import dateformat, timezone

from accounts.models import Organization
from accounts.permissions import ActorLike, Capability, require
from jobs.errors import InvalidJobRequest, JobConflict, JobNotFound
from jobs.models import FINISHED_STATUSES, JobStatus, TranscriptionJob
from jobs.services.lifecycle import job_delete, job_media_delete

logger = logging.getLogger(__name__)

# Ten years: beyond that "keep" is the honest setting.
MAX_RETENTION_DAYS = 3650
IN_FLIGHT = (JobStatus.QUEUED, JobStatus.PROCESSING)
BATCH = 500


@dataclass(frozen=True)
class Swept:
    media_deleted: int = 0
    jobs_deleted: int = 0


def retention_set(
    *,
    organization: Organization,
    actor: ActorLike,
    media_days: int | None,
    delete_transcripts: bool,
) -> Organization:
    """Keep media ``media_days`` days after a job finishes (None: keep it), and delete
    the transcripts with it or not. Owners only."""
    require(actor, organization, Capability.ORGANIZATION_DATA)
    if media_days is not None and not 1 <= media_days <= MAX_RETENTION_DAYS:
        raise InvalidJobRequest(
            f"Keep media between 1 and {MAX_RETENTION_DAYS} days, or leave it empty to keep "
            "it until you delete it."
        )
    organization.media_retention_days = media_days
    organization.retention_deletes_transcripts = bool(media_days) and delete_transcripts
    organization.save(update_fields=["media_retention_days", "retention_deletes_transcripts"])
    return organization


def retention_due(organization: Organization, now: datetime) -> list[TranscriptionJob]:
    """The organization's finished jobs whose retention has run out, with something left
    to delete: their media, or (when transcripts go too) the job itself."""
    days = organization.media_retention_days
    if days is None:
        return []
    due = TranscriptionJob.objects.filter(
        organization=organization,
        status__in=FINISHED_STATUSES,
        finished_at__lt=now - timedelta(days=days),
    ).exclude(translations__status__in=IN_FLIGHT)  # a translation still reads this job
    if not organization.retention_deletes_transcripts:
        due = due.exclude(media="")
    # A bounded batch per organization and hour, so one organization's backlog (say,
    # retention newly set on years of jobs) cannot hold the task for hours; the rest is
    # picked up by the next runs, oldest first.
    return list(due.order_by("finished_at")[:BATCH])


def retention_sweep(now: datetime | None = None) -> Swept:
    """Delete what every organization's retention says is due (the hourly task).

    One job at a time, each in its own transaction: a failure leaves that job as it was
    (it is tried again next hour) and does not stop the others."""
    now = now or timezone.now()
    media_deleted = jobs_deleted = 0
    for organization in Organization.objects.filter(media_retention_days__isnull=False):
        for job in retention_due(organization, now):
            try:
                with transaction.atomic():
                    if organization.retention_deletes_transcripts:
                        job_delete(organization=organization, job_id=job.pk, actor=None)
                        jobs_deleted += 1
                    elif job_media_delete(
                        organization=organization, job_id=job.pk, actor=None, now=now
                    ):
                        media_deleted += 1
            except (JobConflict, JobNotFound):
                continue  # deleted or changed meanwhile: nothing of ours to do
            except Exception:
                logger.exception("retention: could not delete job %s", job.pk)
    return Swept(media_deleted=media_deleted, jobs_deleted=jobs_deleted)


def audio_deleted_message(job: TranscriptionJob) -> str:
    """What the job page and the player say once retention removed the media."""
    if job.media_deleted_at is None:
        return ""
    when = dateformat.format(job.media_deleted_at, "j M Y")
    kept = "The transcript is kept and can still be downloaded."
    if job.finished_at is None:
        return f"The audio was deleted on {when}. {kept}"
    days = (job.media_deleted_at - job.finished_at).days
    return (
        f"The audio was deleted after {days} day{'s' if days != 1 else ''} (on {when}), as "
        f"this organization's retention setting asks. {kept}"
    )
