"""The translation ordered with a transcription (``translate_to``), queued the moment
its transcript is stored.

Money: the order held the transcription's credits and the translation's estimate as
one hold (``jobs.services.intake.job_create``), so a customer who could pay for the
order is never refused later. Completing the job captures the transcription's cost and
releases the rest of that hold; in the same transaction, under the same wallet lock,
``translation_follow_up`` holds the translation's price on the transcript's real words
(never above the estimate), which therefore always fits. From there the translation is
an ordinary translation job: captured when it completes, released when it fails or is
canceled.
"""

from __future__ import annotations

import uuid

from billing.services import InsufficientCredits
from jobs.errors import JobConflict, JobError
from jobs.languages import language_name
from jobs.lifecycle.translation import translation_refused
from jobs.models import JobTask, TranscriptionJob
from jobs.text.language import language_code
from jobs.transcripts.selectors import TranscriptView, transcript_read
from jobs.translation.models import TranslationJob
from jobs.translation.services.intake import (
    route_quote,
    transcript_words,
    translation_plan,
    translation_queue,
)

# The translation ordered with a job has an id derived from the job's: known from the
# order on, and a second completion could never queue a second one.
_ORDERED = uuid.UUID("6c1f6b0e-2a4d-4f7e-9a57-3e0f1b9d7c21")


def ordered_translation_id(job: TranscriptionJob) -> uuid.UUID:
    return uuid.uuid5(_ORDERED, str(job.pk))


def ordered_translation(job: TranscriptionJob) -> TranslationJob | None:
    """The translation ordered with ``job``, once it exists."""
    if not job.translate_to:
        return None
    return TranslationJob.objects.filter(
        organization_id=job.organization_id, pk=ordered_translation_id(job)
    ).first()


def translation_follow_up(job: TranscriptionJob) -> TranslationJob | None:
    """Queue the translation ordered with ``job``, if one was.

    Call it once, inside the transaction that completes the job and after the job's
    hold was captured. A translation that cannot be made (the detected language has no
    translator into the target, or is the target) is recorded as failed with the reason
    and costs nothing; the job's completion never depends on it.
    """
    if not job.translate_to:
        return None
    view = transcript_read(job)
    # Speech translated by the engine (task=translate) is English whatever was spoken.
    spoken = view.language if view is not None and view.language else job.language
    source = "en" if job.task == JobTask.TRANSLATE else language_code(spoken)
    try:
        if view is None:
            raise JobConflict("the transcription has no transcript to translate.")
        if source == job.translate_to:
            raise JobConflict(f"the recording is in {language_name(source)} already.")
        route = translation_plan(source, job.translate_to)
        credits = min(route_quote(transcript_words(view), route), job.translation_credits)
        return translation_queue(
            job=job,
            view=view,
            source=source,
            target=job.translate_to,
            route=route,
            credits=credits,
            webhook_url=job.webhook_url,
            created_by=job.created_by,
            api_key=job.api_key,
            translation_id=ordered_translation_id(job),
        )
    except (JobError, InsufficientCredits) as exc:
        return _not_translated(job, view, source, exc.message)


def _not_translated(
    job: TranscriptionJob, view: TranscriptView | None, source: str, reason: str
) -> TranslationJob:
    return translation_refused(
        id=ordered_translation_id(job),
        organization_id=job.organization_id,
        source_job=job,
        created_by_id=job.created_by_id,
        api_key_id=job.api_key_id,
        from_language=source,
        to_language=job.translate_to,
        source_version=view.version if view is not None else 1,
        words=transcript_words(view) if view is not None else 0,
        webhook_url=job.webhook_url,
        error_message=f"Not translated: {reason} You were not charged for the translation.",
    )
