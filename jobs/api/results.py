"""What a client reads back: the job in AudioToTextAI's result shape, and exports."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.http import HttpResponse
from django.utils.text import slugify

from jobs.api.serializers import credits, job_tag_names
from jobs.engines.base import Segment, Word
from jobs.errors import InvalidJobRequest, JobConflict
from jobs.exporters import EXPORTERS, Exporter, TranscriptDocument, get_exporter
from jobs.exporters.options import ExportOptions, default_text_format, export_options_from_query
from jobs.models import JobStatus, TranscriptionJob
from jobs.transcripts.selectors import (
    FULL_VERBATIM,
    TranscriptView,
    speaking_times,
    transcript_read,
)
from jobs.translation.api.output import ordered_translation_output


def segment_output(
    segment: Segment, view: TranscriptView, *, include_times: bool, include_words: bool
) -> dict[str, Any]:
    """A segment as AudioToTextAI shows it: the speaker by display name, with its stable
    ``speaker_id`` and the segment's ``id`` for the editing API."""
    speaker = view.speaker_of.get(segment.key or "")
    body: dict[str, Any] = {
        "id": segment.key,
        "text": segment.text,
        "speaker": speaker.name if speaker else None,
        "speaker_id": speaker.id if speaker else None,
        "language": segment.language or None,
        "confidence": segment.confidence,
    }
    # AudioToTextAI's ``timestamps=false`` asks for segments without times.
    if include_times:
        body = {"start": segment.start, "end": segment.end, **body}
    if include_words:
        body["words"] = [word_output(word) for word in segment.words]
    return body


def word_output(word: Word) -> dict[str, Any]:
    return {
        "word": word.text,
        "start": word.start,
        "end": word.end,
        "confidence": word.confidence,
        "aligned": word.aligned,
    }


def speakers_output(view: TranscriptView) -> list[dict[str, Any]]:
    return [
        {
            "id": speaker.id,
            "name": speaker.name,
            "label": speaker.label,
            "speaking_time": round(seconds, 2),
        }
        for speaker, seconds in speaking_times(view)
    ]


def job_detail_output(
    job: TranscriptionJob, *, include_segments: bool, include_words: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": str(job.id),
        "job_id": str(job.id),
        "status": job.status,
        "progress": job.progress,
        "filename": job.original_filename,
        "name": job.display_name,
        "tags": job_tag_names(job),
        "model": job.engine,
        "created_at": job.created_at,
        "estimated_credits": credits(job.estimated_credits),
    }
    if job.source_url:
        body["url"] = job.source_url
    if job.trim_start or job.trim_end is not None:
        body.update({"from": job.trim_start, "till": job.trim_end})
    if job.chunks_total:
        body["chunks"] = {"total": job.chunks_total, "done": job.chunks_done}
    # A status poll shows no words: reading them would be most of its cost.
    with_words = include_segments and include_words
    view = (
        transcript_read(job, with_words=with_words) if job.status == JobStatus.COMPLETED else None
    )
    if view is not None:
        # Which speech service served the job (several when chunks fell back).
        body.update(provider=(job.providers or [job.engine])[0], providers=job.providers)
        body.update(
            transcript=view.text,
            duration_seconds=round(job.duration_seconds, 3),
            language=view.language or job.language,
            credits_used=credits(job.credits_used),
            speakers=speakers_output(view),
            edited=view.edited,
            version=view.version,
            finished_at=job.finished_at,
        )
        if job.summary_requested:
            body.update(summary=view.summary, topics=view.topics)
        if include_segments:
            body["segments"] = [
                segment_output(s, view, include_times=job.timestamps, include_words=include_words)
                for s in view.segments
            ]
    elif job.status == JobStatus.FAILED:
        body.update(error_message=job.error_message, error=job.error_message)
    translation = ordered_translation_output(job)
    if translation is not None:
        body["translation"] = translation
    return body


def transcript_document(
    job: TranscriptionJob, *, text_format: str | None = None
) -> TranscriptDocument:
    """The job's current transcript as every exporter takes it."""
    view = transcript_read(job, text_format=text_format)
    return TranscriptDocument(
        title=job.original_filename or str(job.id),
        language=(view.language if view else "") or job.language,
        duration=job.duration_seconds,
        segments=view.segments if view else (),
    )


def job_export_options(job: TranscriptionJob, params: Mapping[str, str]) -> ExportOptions:
    """The export options in a request's query parameters; the text format defaults to
    what the job's own type implies (Smart and Summary jobs read clean)."""
    return export_options_from_query(params, default_text_format=default_text_format(job.job_type))


def job_export_response(
    job: TranscriptionJob, export_format: str, options: ExportOptions | None = None
) -> HttpResponse:
    exporter = exporter_or_400(export_format)
    if job.status != JobStatus.COMPLETED:
        raise JobConflict(f"This job is {job.status}; exports are available once it completes.")
    if options is None:
        options = job_export_options(job, {})
    # Full verbatim in; the exporter cleans it when the options ask for clean verbatim.
    document = transcript_document(job, text_format=FULL_VERBATIM)
    stem = slugify(job.original_filename.rsplit(".", 1)[0]) or str(job.id)
    return export_response(document, exporter, options, stem=stem)


def exporter_or_400(export_format: str) -> Exporter:
    exporter = get_exporter(export_format)
    if exporter is None:
        raise InvalidJobRequest(
            f"Unknown format '{export_format}'. Available formats: {', '.join(EXPORTERS)}."
        )
    return exporter


def export_response(
    document: TranscriptDocument, exporter: Exporter, options: ExportOptions, *, stem: str
) -> HttpResponse:
    """A download of ``document`` in ``exporter``'s format, named ``stem`` + extension."""
    response = HttpResponse(exporter.render(document, options), content_type=exporter.content_type)
    response["Content-Disposition"] = f'attachment; filename="{stem}.{exporter.extension}"'
    return response
