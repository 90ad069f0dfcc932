"""Customer-driven changes to a job: cancel and delete."""

from __future__ import annotations

from contextlib import suppress

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from billing.services import hold_release
from jobs.errors import JobConflict, JobNotFound
from jobs.models import JobStatus, TranscriptionJob
from jobs.selectors import job_get
from webhooks.events import JOB_CANCELED
from webhooks.services import job_event_emit

CANCELABLE = (JobStatus.QUEUED, JobStatus.PROCESSING)


@transaction.atomic
def job_cancel(*, organization: Organization, job_id: object) -> TranscriptionJob:
    """Cancel a queued or running job and release its hold.

    A running worker notices at its next heartbeat (its conditional update no longer
    matches) and stops without charging.
    """
    job = job_get(organization, job_id)
    canceled = TranscriptionJob.objects.filter(
        organization=organization, pk=job.pk, status__in=CANCELABLE
    ).update(
        status=JobStatus.CANCELED, finished_at=timezone.now(), lease_expires_at=None, retry_at=None
    )
    if not canceled:
        raise JobConflict(f"This job is already {job.status} and cannot be canceled.")
    hold_release(reference=job.billing_reference)
    job_event_emit(job_id=job.pk, event_type=JOB_CANCELED)
    job.refresh_from_db()
    return job


def job_delete(*, organization: Organization, job_id: object) -> None:
    """Delete a job's media and transcript. A job still in flight is canceled first."""
    job = job_get(organization, job_id)
    with transaction.atomic():
        if job.status in CANCELABLE:
            # It may have finished meanwhile; deleting is still what was asked.
            with suppress(JobConflict):
                job_cancel(organization=organization, job_id=job.pk)
        media_name = job.media.name
        # A long job's chunk files, when it is deleted before they were cleaned up.
        names = [media_name, *job.chunks.exclude(media="").values_list("media", flat=True)]
        deleted, _ = TranscriptionJob.objects.filter(organization=organization, pk=job.pk).delete()
        if not deleted:
            raise JobNotFound()
        transaction.on_commit(lambda: _delete_files(names))


def _delete_files(names: list[str | None]) -> None:
    for name in names:
        if name:
            default_storage.delete(name)
