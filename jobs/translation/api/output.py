"""How a translation reads in Gumzo's ``GET /translate/{id}/``."""

from __future__ import annotations

from typing import Any

from jobs.api.serializers import credits
from jobs.exporters import TranscriptDocument
from jobs.models import JobStatus, TranscriptionJob
from jobs.transcripts.models import Transcript
from jobs.transcripts.selectors import TranscriptView, transcript_view
from jobs.translation.models import TranslationJob
from jobs.translation.services.events import translation_result_url
from jobs.translation.services.follow_up import ordered_translation


def translation_view(translation: TranslationJob) -> TranscriptView | None:
    transcript = Transcript.objects.filter(translation=translation).first()
    return transcript_view(transcript) if transcript else None


def translation_created_output(
    translation: TranslationJob, *, estimated_wait: int
) -> dict[str, Any]:
    return {
        "translation_id": str(translation.id),
        "id": str(translation.id),
        "job_id": str(translation.source_job_id),
        "status": translation.status,
        "from_language": translation.from_language,
        "to_language": translation.to_language,
        "words": translation.words,
        "estimated_credits": credits(translation.estimated_credits),
        "estimated_wait": estimated_wait,
        "created_at": translation.created_at,
    }


def translation_output(
    translation: TranslationJob, *, include_segments: bool = True
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "translation_id": str(translation.id),
        "id": str(translation.id),
        "job_id": str(translation.source_job_id),
        "status": translation.status,
        "progress": translation.progress,
        "from_language": translation.from_language,
        "to_language": translation.to_language,
        "model": translation.engine,
        # The translators called so far, in order; the last served a completed one.
        "providers": list(translation.providers),
        "words": translation.words,
        "estimated_credits": credits(translation.estimated_credits),
        "created_at": translation.created_at,
    }
    if translation.status == JobStatus.COMPLETED:
        view = translation_view(translation)
        body.update(
            provider=(translation.providers or [""])[-1],
            credits_used=credits(translation.credits_used),
            finished_at=translation.finished_at,
            transcript=view.text if view else "",
        )
        if include_segments and view is not None:
            body["segments"] = [
                {
                    "id": segment.key,
                    "start": segment.start,
                    "end": segment.end,
                    "speaker": segment.speaker,
                    "speaker_id": view.speaker_of[segment.key].id
                    if segment.key in view.speaker_of
                    else None,
                    "text": segment.text,
                }
                for segment in view.segments
            ]
    elif translation.status == JobStatus.FAILED:
        body.update(error=translation.error_message, error_message=translation.error_message)
    return body


def translation_document(translation: TranslationJob) -> TranscriptDocument:
    view = translation_view(translation)
    job = translation.source_job
    return TranscriptDocument(
        title=f"{job.original_filename or job.id} ({translation.to_language})",
        language=translation.to_language,
        duration=job.duration_seconds,
        segments=view.segments if view else (),
    )


def ordered_translation_output(job: TranscriptionJob) -> dict[str, Any] | None:
    """The translation ordered with a transcription (``translate_to``), as the job's API
    output and webhooks show it: ``waiting`` for the transcript until it is queued."""
    if not job.translate_to:
        return None
    translation = ordered_translation(job)
    if translation is None:
        waiting = job.status in (JobStatus.FETCHING, JobStatus.QUEUED, JobStatus.PROCESSING)
        return {
            "id": None,
            "translation_id": None,
            "to_language": job.translate_to,
            "status": "waiting" if waiting else JobStatus.CANCELED,
            "estimated_credits": credits(job.translation_credits),
            "url": None,
            **({} if waiting else {"error": "Not translated: the transcription did not complete."}),
        }
    body: dict[str, Any] = {
        "id": str(translation.id),
        "translation_id": str(translation.id),
        "from_language": translation.from_language,
        "to_language": translation.to_language,
        "status": translation.status,
        "estimated_credits": credits(translation.estimated_credits),
        "url": translation_result_url(translation),
    }
    if translation.status == JobStatus.COMPLETED:
        body["credits_used"] = credits(translation.credits_used)
    elif translation.status == JobStatus.FAILED:
        body["error"] = translation.error_message
    return body
