"""The events Hark sends and the bodies it sends for them.

Adding an event is one line in ``EVENT_TYPES`` and one call to ``webhooks.services``
where it happens; endpoint forms, the API's choices and the docs page derive from it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from rest_framework.utils.encoders import JSONEncoder

JOB_COMPLETED = "job.completed"
JOB_FAILED = "job.failed"
JOB_CANCELED = "job.canceled"
TEST_EVENT = "webhook.test"

EVENT_TYPES: dict[str, str] = {
    JOB_COMPLETED: "A transcription finished; the body carries its transcript.",
    JOB_FAILED: "A transcription failed; the body says why. Nothing was charged.",
    JOB_CANCELED: "A transcription was canceled; its held credits were released.",
}
EVENT_CHOICES = [(name, name) for name in EVENT_TYPES]

# What a thin payload leaves out: the text, which receivers fetch from result_url.
TRANSCRIPT_FIELDS = ("transcript", "segments", "summary", "topics")


def gumzo_event_name(event_type: str) -> str:
    """Gumzo's receivers read ``event`` as ``job_completed``."""
    return event_type.replace(".", "_")


def thin(payload: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in payload.items() if key not in TRANSCRIPT_FIELDS}


def ping_payload(*, occurred_at: datetime, endpoint_id: object) -> dict[str, Any]:
    return {
        "type": TEST_EVENT,
        "event": gumzo_event_name(TEST_EVENT),
        "timestamp": occurred_at,
        "endpoint_id": str(endpoint_id),
        "message": "This is a test event from Hark. If you can read it, your endpoint works.",
    }


def encode(payload: dict[str, Any]) -> str:
    """The exact text that is signed and sent (DRF's encoder: dates as the API shows them)."""
    return json.dumps(payload, cls=JSONEncoder, ensure_ascii=False, separators=(",", ":"))
