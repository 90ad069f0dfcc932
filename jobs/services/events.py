"""The webhook events of transcription jobs: jobs builds the payload, the webhooks app
signs and delivers the plain dict (it knows nothing of jobs)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from jobs.models import TranscriptionJob
from webhooks.events import gumzo_event_name
from webhooks.services import deliveries_emit

logger = logging.getLogger(__name__)


def result_url(job_id: object) -> str:
    """Where the job's result is read. Absolute when HARK_PUBLIC_URL is set; workers
    have no request to take a host from."""
    path = reverse("api-transcription", kwargs={"job_id": str(job_id)})
    return f"{settings.HARK_PUBLIC_URL}{path}"


def job_payload(job: TranscriptionJob, *, event_type: str, occurred_at: datetime) -> dict[str, Any]:
    """The body of a job event: the fields Gumzo's and AudioToTextAI's receivers read,
    then the job exactly as ``GET /api/v1/transcribe/{id}/?segments=true`` shows it."""
    # Imported here: jobs.api builds on the services.
    from jobs.api.results import job_detail_output

    detail = job_detail_output(job, include_segments=True, include_words=job.word_timestamps)
    return {
        "type": event_type,
        "event": gumzo_event_name(event_type),
        "timestamp": occurred_at,
        "id": str(job.id),
        "job_id": str(job.id),
        "job_type": "transcription",
        "status": job.status,
        "result_url": result_url(job.id),
        "created_at": job.created_at,
        **detail,
    }


def job_event_emit(*, job_id: uuid.UUID | str, event_type: str) -> int:
    """Queue the job's event for subscribed endpoints and its own ``webhook_url``; call
    inside the transaction that made it true. A payload that cannot be built is logged
    and never undoes the job's transition."""
    try:
        job = TranscriptionJob.objects.select_related("organization").get(pk=job_id)
        full = job_payload(job, event_type=event_type, occurred_at=timezone.now())
    except Exception:
        logger.exception("could not build the %s payload of job %s", event_type, job_id)
        return 0
    return deliveries_emit(
        organization=job.organization,
        event_type=event_type,
        payload=full,
        webhook_url=job.webhook_url,
        job_id=job.pk,
    )
