"""OpenAPI descriptions and examples for the transcription endpoints.

Kept apart from the views so the views stay short; each constant is the keyword
arguments of one ``extend_schema`` call.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse

from config.api_schema import AUTHENTICATION_FAILED, error_response, ok_response
from jobs.api.filter_docs import FILTER_PARAMETERS
from jobs.api.schema import JobCreatedOutput, JobDetailOutput, JobPageOutput
from jobs.api.serializers import TranscribeUploadInput
from jobs.engines.base import Segment
from jobs.exporters import EXPORTERS, TranscriptDocument
from jobs.exporters.options import CAPTION_LIMITS, TEXT_FORMATS, TIMESTAMPING, CaptionRules
from jobs.translation.services.ordering import WORDS_PER_MINUTE

JFK_TEXT = (
    "And so my fellow Americans, ask not what your country can do for you, ask what you "
    "can do for your country."
)


def text_exports(text: str, language: str = "en") -> dict[str, str]:
    """The txt, srt and vtt exports of ``text`` spoken in 11 seconds, as the exporters
    write them: the examples of a text download."""
    document = TranscriptDocument(title="example", language=language, duration=11.0,
                                  segments=(Segment(0.0, 11.0, text, 0.95),))  # fmt: skip
    return {name: str(EXPORTERS[name].render(document)) for name in ("txt", "srt", "vtt")}


ERROR_EXAMPLE = {"error": "invalid_request", "message": "A sentence explaining what to fix."}
JOB_ID = "550e8400-e29b-41d4-a716-446655440000"
TRANSLATION_ID = "93ccaa33-abe0-5c1b-a5a1-f78ad824cf02"
CAPTION_HELP = {
    "max_line_chars": "characters per subtitle line",
    "max_lines": "lines per cue",
    "max_chars_per_second": "the fastest reading speed a cue may ask for",
    "min_cue_seconds": "the shortest time a cue stays on screen",
    "max_cue_seconds": "the longest time a cue stays on screen",
}


def _error(description: str, code: str, message: str) -> OpenApiResponse:
    return error_response(description, (code, message))


COMMON_ERRORS = {
    401: AUTHENTICATION_FAILED,
    404: _error("No such job in your organization", "not_found",
                "No transcription job with that id was found."),
}  # fmt: skip

CREATE: dict[str, Any] = {
    "summary": "Transcribe an uploaded file",
    "description": (
        "Upload audio (MP3, WAV, M4A, FLAC, OGG/Opus, WebM, or the audio track of an MP4) "
        "as multipart form data. Credits for the measured duration are held until the "
        "job finishes; you are charged the actual cost, or nothing if it fails. Gumzo's "
        "`job_language`, `job_type` and `skip_diarization` are accepted as aliases, and "
        "GoTranscript's `number_of_speakers`. `task=translate` (or `translate_to=en`) gives "
        "English text from speech in any language; `language` is then the language spoken.\n\n"
        "**Transcription plus translation** (GoTranscript's `translate_to`): any other "
        "`translate_to` (a code such as `es`, or a name such as `spanish`) orders a "
        "translation of the transcript, queued as soon as it is stored and readable at "
        "`GET /api/v1/translate/{id}/`. It is priced per source word; before the transcript "
        "exists the words are estimated at "
        f"{WORDS_PER_MINUTE} a minute of audio, at the price per word of the translator "
        "that would serve the pair (when `language` is detected: the dearest translator "
        "into the target). That estimate is held with the transcription's credits, so "
        "the order is refused up front (402) or never. Once the transcript is stored, the "
        "translation is held and later charged on its real words, never more than the "
        "estimate; the rest is released at once. A failed or canceled translation costs "
        "nothing; a transcription that fails or is canceled releases the whole order. A "
        "target nothing can translate into (or, with `language` given, a pair nothing "
        "can translate) is a 400 naming what is possible, and nothing is created. "
        "`POST /api/v1/quote/` (or `mode=test`) prices the order without creating it."
    ),
    "request": {"multipart/form-data": TranscribeUploadInput},
    "examples": [
        OpenApiExample(
            "Translate German speech into English",
            value={"file": "interview.mp3", "task": "translate", "language": "de"},
            request_only=True,
            media_type="multipart/form-data",
        ),
        OpenApiExample(
            "Transcribe English and translate it into Spanish",
            value={"file": "jfk.flac", "language": "en", "translate_to": "es"},
            request_only=True,
            media_type="multipart/form-data",
        ),
        OpenApiExample(
            "Speakers of a two-person call",
            value={"file": "call.mp3", "diarization": True, "number_of_speakers": "1_or_2"},
            request_only=True,
            media_type="multipart/form-data",
        ),
    ],
    "responses": {
        200: OpenApiResponse(
            response=JobCreatedOutput,
            description="Queued (with mode=test: a quote, as POST /api/v1/quote/ answers)",
            examples=[OpenApiExample("queued", value={
                "id": JOB_ID, "job_id": JOB_ID, "status": "queued",
                "estimated_credits": 5.5, "estimated_wait": 30,
                "created_at": "2026-11-21T14:30:00Z"}),
                OpenApiExample("queued with its translation", value={
                "id": JOB_ID, "job_id": JOB_ID, "status": "queued",
                "estimated_credits": 0.19, "estimated_wait": 30,
                "created_at": "2026-11-21T14:30:00Z", "order_total": 0.23,
                "translation": {"id": None, "to_language": "es", "status": "waiting",
                                "estimated_credits": 0.04}})],
        ),
        400: _error("An option the engine cannot serve, or a bad value", "invalid_request",
                    "The Local (pocketsphinx, English) engine cannot translate speech. "
                    "Engines that can: whisper."),
        402: _error("Not enough credits (for the whole order, translation included)",
                    "insufficient_credits",
                    "You have 0.2 credits remaining but this transcription with its "
                    "translation requires 0.23 credits."),
        413: _error("Over the size cap", "file_too_large",
                    "This file is larger than the 500 MB limit."),
        415: _error("Not audio", "unsupported_media", "This file is not audio we can read."),
        **COMMON_ERRORS,
    },
}  # fmt: skip

LIST: dict[str, Any] = {
    "summary": "List transcription jobs, newest first",
    # Otherwise it shares "api_v1_transcribe_retrieve" with the detail route.
    "operation_id": "api_v1_transcribe_list",
    "parameters": [
        OpenApiParameter("cursor", str, description="From `next` or `previous`."),
        OpenApiParameter("limit", int, description="Page size, at most 100 (default 20)."),
        *FILTER_PARAMETERS,
    ],
    "responses": {
        200: OpenApiResponse(
            JobPageOutput,
            description="A page of jobs",
            examples=[
                OpenApiExample(
                    "a page",
                    value={
                        "next": "https://hark.example.com/api/v1/transcribe/?cursor=cD0yMDI2",
                        "previous": None,
                        "results": [
                            {
                                "id": JOB_ID,
                                "job_id": JOB_ID,
                                "status": "completed",
                                "progress": 100,
                                "filename": "jfk.flac",
                                "name": "jfk.flac",
                                "tags": ["speeches"],
                                "model": "whisper",
                                "language": "en",
                                "duration_seconds": 11.0,
                                "estimated_credits": 0.19,
                                "credits_used": 0.19,
                                "created_at": "2026-11-21T14:30:00Z",
                                "finished_at": "2026-11-21T14:30:09Z",
                                "price": 0.19,
                                "paid_at": "2026-11-21T14:30:09Z",
                                "seconds": 11,
                            }
                        ],
                    },
                )
            ],
        ),
        401: AUTHENTICATION_FAILED,
    },
}

DETAIL: dict[str, Any] = {
    "summary": "Get a job's status and result, or export it",
    "parameters": [
        OpenApiParameter("segments", bool, description="Include timestamped segments."),
        OpenApiParameter("words", bool, description="Include word timestamps in segments."),
        OpenApiParameter("format", str, enum=list(EXPORTERS),
                         description="Download the transcript in this format instead "
                         "(docx and pdf are binary).",
                         examples=[OpenApiExample("subtitles", value="srt"),
                                   OpenApiExample("word", value="docx")]),
        OpenApiParameter("text_format", str, enum=list(TEXT_FORMATS),
                         description="Exports: clean_verbatim drops fillers (as job_type "
                         "smart), full_verbatim keeps the transcript as stored. Default: "
                         "what the job's job_type implies."),
        OpenApiParameter("timestamping", str, enum=list(TIMESTAMPING),
                         description="Exports txt, docx, pdf, html: [HH:MM:SS] timecodes "
                         "every 10 s, 30 s or 2 min, or at each change of speaker.",
                         default="not_required"),
        OpenApiParameter("speaker_names", bool, default=True,
                         description="Exports: show speakers' names."),
        *[
            OpenApiParameter(name, OpenApiTypes.INT if kind is int else OpenApiTypes.FLOAT,
                             default=getattr(CaptionRules(), name),
                             description=f"srt and vtt: {CAPTION_HELP[name]}, "
                             f"from {low:g} to {high:g}.")
            for name, (kind, low, high) in CAPTION_LIMITS.items()
        ],
    ],
    "responses": {
        (200, "application/json"): OpenApiResponse(
            response=JobDetailOutput,
            description="The job",
            examples=[
                OpenApiExample("processing", value={
                    "id": JOB_ID, "status": "processing", "progress": 45}),
                OpenApiExample("completed", value={
                    "id": JOB_ID, "status": "completed",
                    "transcript": "and so my fellow americans ask not what your country can do",
                    "duration_seconds": 11.0, "language": "en", "credits_used": 0.19,
                    "speakers": [], "segments": [{"start": 0.03, "end": 7.74,
                    "text": "and so my fellow americans", "speaker": None,
                    "confidence": 0.91}]}),
                OpenApiExample("completed, its translation queued", value={
                    "id": JOB_ID, "status": "completed", "language": "en",
                    "transcript": "And so my fellow Americans, ask not what your country "
                    "can do for you, ask what you can do for your country.",
                    "credits_used": 0.19,
                    "translation": {"id": TRANSLATION_ID, "translation_id": TRANSLATION_ID,
                                    "from_language": "en", "to_language": "es",
                                    "status": "queued", "estimated_credits": 0.03,
                                    "url": "https://hark.example.com/api/v1/translate/"
                                    f"{TRANSLATION_ID}/"}}),
                OpenApiExample("failed", value={
                    "id": JOB_ID, "status": "failed",
                    "error_message": "This file could not be decoded past 02:13."}),
            ],
        ),
        (200, "text/plain"): ok_response(OpenApiTypes.STR, "?format=txt, srt or vtt",
                                         **text_exports(JFK_TEXT)),
        (200, "application/octet-stream"): OpenApiResponse(
            OpenApiTypes.BINARY, description="?format=docx or pdf"),
        400: _error("An unknown format or a bad option", "invalid_request",
                    "Unknown format 'mp3'. Available formats: txt, srt, vtt, json, docx, "
                    "pdf, html."),
        409: _error("An export of a job that has not completed", "conflict",
                    "This job is processing; exports are available once it completes."),
        **COMMON_ERRORS,
    },
}  # fmt: skip

DELETE: dict[str, Any] = {
    "summary": "Delete a job's media and transcript (a running job is canceled first)",
    "responses": {204: None, **COMMON_ERRORS},
}

CANCEL: dict[str, Any] = {
    "summary": "Cancel a queued or running job; its held credits are released",
    "request": None,
    "responses": {
        200: OpenApiResponse(JobDetailOutput, description="Canceled", examples=[
            OpenApiExample("canceled", value={"id": JOB_ID, "job_id": JOB_ID,
                                              "status": "canceled", "progress": 0})]),
        409: _error("Already finished", "conflict",
                    "This job is already completed and cannot be canceled."),
        **COMMON_ERRORS,
    },
}  # fmt: skip
