"""Asynchronous providers calling back: recorded here, once per upstream transcript, so a
job parked just as its callback came is resumed at once (``jobs.services.parked``)."""

from __future__ import annotations

import uuid

from jobs.engines.base import Callbacks
from jobs.models import TranscriptionJob, UpstreamCallback
from webhooks.callbacks import callback_url


def upstream_callback_record(
    *, provider: str, job_id: uuid.UUID, upstream_id: str, status: str
) -> bool:
    """Note that ``provider`` says ``upstream_id`` is done; False for an unknown job."""
    if not TranscriptionJob.objects.filter(pk=job_id).exists():
        return False
    UpstreamCallback.objects.update_or_create(
        provider=provider,
        upstream_id=upstream_id[:200],
        defaults={"job_id": job_id, "status": status[:40]},
    )
    return True


def job_callbacks(job: TranscriptionJob) -> Callbacks:
    """What a provider needs to be called back about ``job`` instead of being polled."""
    return Callbacks(url=lambda provider: callback_url(provider, job.pk))
