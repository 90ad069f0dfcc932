"""The one state machine of queued work: transcription jobs, their chunks, translations.

This package alone writes the status, progress, lease (``lease_expires_at``), attempt
(``attempts``, ``job_attempt``, ``retry_at``) and parking (``parked_*``) fields. Each
named transition is one function and one conditional UPDATE
(``filter(status=from, ...).update(...)``) that returns whether it won; the money (hold
capture or release through ``billing.services``) and the webhook event happen in the
same transaction, so a transition that lost changed nothing and charged nothing.

- ``transcription``: job_claim, job_heartbeat, job_renew_lease, job_complete, job_fail,
  job_retry_later, job_park, job_unpark, job_cancel, job_requeue_stalled (and the
  sweeper's jobs_requeue_stalled, jobs_retry_overdue); job_settle applies the ladder.
- ``fetching``: job_fetch_start, job_fetch_claim, job_fetched, job_fetch_requeue_stalled
  (and the sweeper's jobs_fetch_requeue_stalled); job_fetch_settle applies what a
  fetch's end means. Failing and canceling a fetching job are ``transcription``'s.
- ``chunk``: job_chunks_queue, chunks_requeue_unfinished, chunk_claim,
  chunk_renew_lease, chunk_complete, job_chunks_counted, chunk_retry_later, chunk_park,
  chunk_unpark (and the sweeper's chunks_requeue_stalled, chunks_retry_overdue);
  chunk_settle applies the ladder.
- ``translation``: translation_claim, translation_complete, translation_fail,
  translation_retry_later, translation_cancel, translation_refused,
  translation_requeue_stalled (and the sweeper's translations_requeue_stalled,
  translations_retry_overdue); translation_settle applies the ladder.
- ``parking``: parked_poll_noted, parked_forget_stopped (both kinds of parked work).
- ``outcomes``: the one ladder from an exception to an outcome (park, lost, retry
  later, fail), shared by jobs, chunks and translations.

Work modules (``jobs.services.worker``, ``jobs.services.chunks``,
``jobs.services.parked``, ``jobs.translation.services.worker``) do the work and hand
its result or exception to these functions; ``tests/test_lifecycle_boundary.py`` keeps
every other module from writing these fields.
"""
