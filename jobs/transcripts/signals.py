"""What the transcripts tell the rest of Hark; sent after the change is committed.

``transcript_edited(sender, job_id, translation_id, version)``: a person (or an API
client) changed a job's transcript (``translation_id`` None) or a translation's, which
is now at ``version``. The orders app answers it with GoTranscript's second callback
for an order already delivered (its quality re-check); transcripts know nothing of
orders.
"""

from __future__ import annotations

from django.dispatch import Signal

transcript_edited = Signal()
