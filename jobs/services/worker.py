"""The worker's side of a job: transcribe it (whole, or cut into chunks) and hand how
it ended to the lifecycle.

Short audio is transcribed here in one go, through the job's route of providers
(``jobs.routing``); long audio is cut into chunks that run as tasks of their own
(``jobs.services.chunks``). Every change of the job's state (claim, heartbeat,
complete, fail, retry later, park) is a transition of ``jobs.lifecycle.transcription``,
and how an exception ends the attempt is ``jobs.lifecycle.outcomes``' ladder: when
every provider of the route fails transiently, the job goes back to the queue with a
``retry_at`` on a growing schedule (``HARK_JOB_RETRY_SCHEDULE``, or longer when an
upstream's Retry-After asked for more); when a provider will call back, the job is
parked (``jobs.services.parked``).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

from django.utils import timezone

from jobs.alignment.known_text import known_text_align
from jobs.alignment.proofreading import proofreading_check
from jobs.engines import engine_info
from jobs.engines.base import TranscriptionRequest, TranscriptionResult
from jobs.lifecycle.transcription import (
    Claim,
    job_claim,
    job_heartbeat,
    job_renew_lease,
    job_settle,
    jobs_requeue_stalled,
    jobs_retry_overdue,
)
from jobs.media.storage import local_media
from jobs.models import JobTask, TranscriptionJob
from jobs.routing import Collected, Route, route_transcribe
from jobs.services.attempts import attempt_recorder
from jobs.services.callbacks import job_callbacks
from jobs.services.keepalive import Throttled, kept_alive

logger = logging.getLogger(__name__)


def job_route(job: TranscriptionJob) -> Route:
    """The providers chosen for the job at intake, in order."""
    providers = tuple(job.route or [job.engine])
    return Route(engine=job.engine, providers=providers, language=job.language)


def job_run(job_id: str) -> None:
    """Transcribe one job end to end; safe to call any number of times for the same id."""
    claim = job_claim(job_id)
    if claim is None:
        logger.info("job %s is not claimable (finished, canceled or held); skipping", job_id)
        return
    route = job_route(claim.job)
    job_settle(claim, lambda: _job_work(claim, route))


def _job_work(claim: Claim, route: Route) -> TranscriptionResult | None:
    # Imported here: chunks builds on this module's claim, complete and fail.
    from jobs.services.chunks import chunks_start, should_chunk

    if claim.job.task in JobTask.known_text():
        return job_align(claim)
    if claim.job.chunks_total or should_chunk(claim.job, route):
        chunks_start(claim, route)
        return None  # the chunks' tasks finish the job
    return job_transcribe(claim, route)


def job_align(claim: Claim) -> TranscriptionResult:
    """A job with a known text: its words timed against the whole recording in one go
    (never chunked: the text cannot be cut where the audio is), the lease renewed while
    the aligner runs."""
    job = claim.job
    with (
        local_media(job.media.name or "") as path,
        kept_alive(lambda: job_renew_lease(claim), enabled=True) as guard,
    ):
        result = known_text_align(path, job.prompt, job.language)
        if job.task == JobTask.PROOFREAD:
            proofreading_check(path, result, job.language)
        guard.check()
    return result


def job_request(job: TranscriptionJob, path: Path) -> TranscriptionRequest:
    """What the job asks of a provider for the audio at ``path`` (its media)."""
    return TranscriptionRequest(
        path=path,
        language=job.language,
        start=job.trim_start,
        end=job.trim_end,
        diarization=job.diarization,
        word_timestamps=True,
        vocabulary=tuple(job.vocabulary),
        callbacks=job_callbacks(job),
        task=job.task,
        prompt=job.prompt,
        max_speakers=job.max_speakers,
    )


def job_transcribe(
    claim: Claim, route: Route, *, resume: Collected | None = None
) -> TranscriptionResult:
    """The whole job's audio through its route (or, with ``resume``, on from the
    provider that was parked), keeping the lease while upstreams think."""
    job = claim.job
    upstream = any(engine_info(name).upstream for name in route.providers)
    with (
        local_media(job.media.name or "") as path,
        kept_alive(lambda: job_renew_lease(claim), enabled=upstream) as guard,
    ):
        on_progress = Throttled(lambda fraction: job_heartbeat(claim, fraction=fraction))
        result = route_transcribe(
            route,
            job_request(job, path),
            guard.progress(on_progress),
            record=attempt_recorder(job),
            resume=resume,
        )
        guard.check()
    return result


def jobs_recover_abandoned(*, now: datetime | None = None) -> int:
    """The sweeper: re-queue jobs (fetching or processing), chunks and translations whose
    worker stopped reporting (killed, crashed, machine lost), failing those that have
    used up their attempts;
    queue again waiting work whose retry is overdue; ask upstreams about parked jobs and
    chunks whose callback is late; hand back tasks a lost cluster took before starting
    them (``jobs.services.stalled``). ``now`` is for tests' clocks. Returns how many
    were touched."""
    from jobs.lifecycle.fetching import jobs_fetch_requeue_stalled
    from jobs.lifecycle.translation import (
        translations_requeue_stalled,
        translations_retry_overdue,
    )
    from jobs.services.chunks_recovery import chunks_recover
    from jobs.services.parked import parked_poll
    from jobs.services.stalled import stalled_tasks_requeue

    touched = parked_poll()
    now = now or timezone.now()
    touched += jobs_requeue_stalled(now) + translations_requeue_stalled(now)
    touched += jobs_fetch_requeue_stalled(now)
    touched += jobs_retry_overdue(now) + translations_retry_overdue(now)
    touched += chunks_recover(now=now)
    return touched + stalled_tasks_requeue()
