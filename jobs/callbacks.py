"""Provider callbacks this app handles (found by webhooks' autodiscovery at start-up)."""

from __future__ import annotations

from jobs.services.callbacks import upstream_callback_record
from jobs.services.parked import parked_called_back
from webhooks.callbacks import CallbackRejected, InboundCall, register_callback_handler


def _assemblyai_fields(call: InboundCall) -> tuple[str, str]:
    payload = call.json()
    if not isinstance(payload, dict) or not payload.get("transcript_id"):
        raise CallbackRejected("The callback has no transcript_id.")
    return str(payload["transcript_id"]), str(payload.get("status") or "")


def assemblyai_done(call: InboundCall) -> None:
    """AssemblyAI's ``{"transcript_id", "status"}``: a parked job is resumed by a task;
    a worker waiting in-process (no parking) notices the record and fetches it now."""
    transcript_id, status = _assemblyai_fields(call)
    upstream_callback_record(
        provider="assemblyai", job_id=call.job_id, upstream_id=transcript_id, status=status
    )
    parked_called_back(job_id=call.job_id, provider="assemblyai", reference=transcript_id)


register_callback_handler(
    "assemblyai", assemblyai_done, dedupe_key=lambda call: ":".join(_assemblyai_fields(call))
)
