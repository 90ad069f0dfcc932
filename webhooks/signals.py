"""In-process listeners of the events Hark emits, beside the outbound deliveries.

``event_emitted`` is sent by ``deliveries_emit`` inside the transaction that changed the
work, for every event, whether or not any endpoint subscribes: ``organization``,
``event_type`` (``webhooks.events``), ``job_id`` and ``job_type`` ("transcription" or
"translation", from the payload). Orders follow their jobs this way, without polling and
without the producer knowing who listens. Receivers are called with ``send_robust`` and
run in a savepoint of their own, so one that fails never undoes the work's transition.
"""

from __future__ import annotations

from django.dispatch import Signal

event_emitted = Signal()
