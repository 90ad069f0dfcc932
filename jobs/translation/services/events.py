"""Webhooks for translations, in Gumzo's shape (``job_type: "translation"``), through the
same deliveries as transcription jobs' events."""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from jobs.translation.models import TranslationJob
from webhooks.events import JOB_COMPLETED, JOB_FAILED, gumzo_event_name
from webhooks.services import deliveries_emit


def translation_result_url(translation: TranslationJob) -> str:
    path = reverse("api-translation", kwargs={"translation_id": str(translation.id)})
    return f"{settings.HARK_PUBLIC_URL}{path}"


def translation_event_emit(translation_id: uuid.UUID | str, *, completed: bool) -> int:
    """Queue the translation's completed/failed event for subscribed endpoints and its
    own ``webhook_url``; call inside the transaction that finished it."""
    from jobs.translation.api.output import translation_output

    translation = TranslationJob.objects.select_related("organization", "source_job").get(
        pk=translation_id
    )
    event_type = JOB_COMPLETED if completed else JOB_FAILED

    def payload() -> dict[str, Any]:
        # The translation as GET /translate/{id}/ shows it, under Gumzo's webhook fields:
        # there ``job_id`` is the job the event is about (the translation), not its
        # source. Built only when an endpoint or the translation's webhook_url receives it.
        return {
            **translation_output(translation, include_segments=True),
            "type": event_type,
            "event": gumzo_event_name(event_type),
            "timestamp": timezone.now(),
            "id": str(translation.id),
            "job_id": str(translation.id),
            "translation_id": str(translation.id),
            "transcription_id": str(translation.source_job_id),
            "job_type": "translation",
            "status": translation.status,
            "result_url": translation_result_url(translation),
            "created_at": translation.created_at,
        }

    return deliveries_emit(
        organization=translation.organization,
        event_type=event_type,
        payload=payload,
        webhook_url=translation.webhook_url,
        job_id=translation.id,
        job_type="translation",
    )
