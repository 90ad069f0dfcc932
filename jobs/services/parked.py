"""Jobs and chunks parked on an asynchronous upstream that will call back.

When routing reaches a provider that can call back (``Deferrable``: AssemblyAI) and this
installation has a public address, the provider only submits the work and routing
raises ``Deferred``. The worker then parks the job (or chunk): it stays processing, with
what it waits for written on it (``jobs.models.Parked``) and its lease stretched to the
upstream's budget, and the worker is free for other jobs at once.

Then a ``resume_parked`` task, queued by the provider's callback (``jobs.callbacks``)
or by the sweeper's poll (``parked_poll``, for a callback that may have been lost), asks
the provider for the result (``collect``). Once it is done, the task takes the job back
with a conditional update that clears the reference (of tasks racing, or delivered
twice, the others find nothing to take), and finishes it as the worker would have,
through ``job_settle`` / ``chunk_transcribe`` with the collected outcome: a result
completes the job (the last chunk stitches it), a permanent failure fails it uncharged,
and a transient one goes on with the route's next provider or the retry backoff. A job parked
past its budget is taken back as a transient timeout. A canceled job is no longer
processing: a late callback finds nothing parked and only has the upstream forget it.
"""

from __future__ import annotations

import logging
import uuid
from datetime import timedelta
from pathlib import Path

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from jobs.engines import get_engine
from jobs.engines.base import (
    Deferrable,
    Deferred,
    ProviderError,
    Submission,
    TranscriptionRequest,
    TranscriptionResult,
)
from jobs.lifecycle.chunk import chunk_unpark
from jobs.lifecycle.parking import (
    Target,
    parked_forget_stopped,
    parked_poll_noted,
    parked_resume_enqueue,
)
from jobs.lifecycle.transcription import Claim, job_settle, job_unpark
from jobs.models import ChunkStatus, JobStatus, TranscriptionChunk, TranscriptionJob
from jobs.routing import Collected, provider_request
from jobs.services.chunks import chunk_request, chunk_transcribe
from jobs.services.worker import job_request, job_route, job_transcribe

logger = logging.getLogger(__name__)

# A parked job not asked about for this long is asked by the sweeper: its callback may
# have been lost. (The sweeper runs every minute.)
POLL_SECONDS = 30.0


# --- Resuming (the callback's task, the sweeper) ---------------------------------------------


def parked_called_back(*, job_id: uuid.UUID, provider: str, reference: str) -> bool:
    """The provider says ``reference`` is done: queue its resumption (inside the
    caller's transaction) when something of the job waits on it."""
    if not _waiting(job_id, provider, reference).exists():
        return False
    parked_resume_enqueue(job_id=job_id, provider=provider, reference=reference)
    return True


def parked_resume(*, job_id: str, provider: str, reference: str) -> bool:
    """Finish whatever of the job is parked on ``reference``, if the upstream has it
    done; True when this call finished it. Safe to run any number of times."""
    job_uuid = uuid.UUID(job_id)
    target = _waiting(job_uuid, provider, reference).first()
    if target is None:
        _forget_abandoned(job_uuid, provider, reference)
        return False
    return _resume(target)


def parked_poll() -> int:
    """The sweeper's part: queue a look at parked jobs and chunks not asked about for
    ``POLL_SECONDS``, in case their callback was lost (and to time out those past their
    budget). The look is a task like the callback's, so the sweeper itself waits on no
    upstream and runs no fallback. Returns how many it queued."""
    now = timezone.now()
    due = Q(parked_polled_at__lt=now - timedelta(seconds=POLL_SECONDS))
    jobs = TranscriptionJob.objects.filter(due, status=JobStatus.PROCESSING)
    chunks = TranscriptionChunk.objects.filter(
        due,
        status=ChunkStatus.PROCESSING,
        job__status=JobStatus.PROCESSING,
        job__attempts=F("job_attempt"),
    )
    targets: list[Target] = [
        *jobs.exclude(parked_reference=""),
        *chunks.exclude(parked_reference=""),
    ]
    queued = 0
    for target in targets:
        with transaction.atomic():
            if parked_poll_noted(target, now):
                job_id = target.pk if isinstance(target, TranscriptionJob) else target.job_id
                parked_resume_enqueue(
                    job_id=job_id,
                    provider=target.parked_provider,
                    reference=target.parked_reference,
                )
                queued += 1
    return queued


def _waiting(
    job_id: uuid.UUID, provider: str, reference: str
) -> QuerySet[TranscriptionJob] | QuerySet[TranscriptionChunk]:
    """What of the job (the job itself, or one of its chunks) is parked on ``reference``."""
    job = TranscriptionJob.objects.filter(
        pk=job_id,
        status=JobStatus.PROCESSING,
        parked_provider=provider,
        parked_reference=reference,
    )
    if job.exists():
        return job
    return TranscriptionChunk.objects.select_related("job").filter(
        job_id=job_id,
        status=ChunkStatus.PROCESSING,
        job__status=JobStatus.PROCESSING,
        job__attempts=F("job_attempt"),
        parked_provider=provider,
        parked_reference=reference,
    )


def _resume(target: Target) -> bool:
    """Collect what ``target`` waits for; once done, take it back and settle it."""
    outcome = _collect(target)
    if outcome is None:
        return False
    if not _take_back(target):
        logger.info("%s was taken back by someone else", target.parked_reference)
        return False
    collected = Collected(deferred=_deferred(target), outcome=outcome)
    if isinstance(outcome, TranscriptionResult):
        _forget(target.parked_provider, target.parked_reference)
    if isinstance(target, TranscriptionJob):
        claim = Claim(job=target, attempt=target.attempts)
        job_settle(claim, lambda: job_transcribe(claim, job_route(target), resume=collected))
    else:
        chunk_transcribe(target, target.job_attempt, resume=collected)
    return True


def _collect(target: Target) -> TranscriptionResult | ProviderError | None:
    """The upstream's result or failure; None while it is not done (nor out of time)."""
    provider, reference = target.parked_provider, target.parked_reference
    try:
        engine = get_engine(provider)
        if not isinstance(engine, Deferrable):
            raise ProviderError(f"The {provider} speech service can no longer be asked.")
        result = engine.collect(reference, _request(target), audio_seconds=target.parked_seconds)
    except ProviderError as exc:
        return exc
    deadline = target.lease_expires_at
    if result is None and deadline is not None and deadline <= timezone.now():
        budget = deadline - (target.parked_at or deadline)
        return ProviderError(
            f"The {provider} speech service did not finish within "
            f"{budget.total_seconds():.0f} seconds."
        )
    return result


def _request(target: Target) -> TranscriptionRequest:
    """The request the parked provider was asked (its audio is not read again)."""
    if isinstance(target, TranscriptionJob):
        job, request = target, job_request(target, Path(target.media.name or ""))
    else:
        job, request = target.job, chunk_request(target.job, Path(target.media.name or ""))
    return provider_request(job_route(job), request, target.parked_provider)


def _take_back(target: Target) -> bool:
    if isinstance(target, TranscriptionJob):
        return job_unpark(target)
    return chunk_unpark(target)


def _deferred(target: Target) -> Deferred:
    started_at = target.parked_at or timezone.now()
    submission = Submission(
        reference=target.parked_reference, audio_seconds=target.parked_seconds, wait_seconds=0
    )
    return Deferred(
        provider=target.parked_provider,
        position=target.parked_position,
        submission=submission,
        started_at=started_at,
    )


def _forget_abandoned(job_id: uuid.UUID, provider: str, reference: str) -> None:
    """A callback for a job that stopped while parked (canceled, failed): the upstream
    need not keep the customer's words. Cleared first, so it is asked once."""
    if parked_forget_stopped(job_id, provider, reference):
        _forget(provider, reference)


def _forget(provider: str, reference: str) -> None:
    engine = get_engine(provider)
    if isinstance(engine, Deferrable):
        engine.forget(reference)
