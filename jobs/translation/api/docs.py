"""OpenAPI descriptions and examples for Gumzo's translation endpoints."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from config.api_schema import AUTHENTICATION_FAILED, error_response, ok_response
from jobs.api.docs import text_exports
from jobs.translation.api.schema import (
    TranslateInput,
    TranslationCreatedOutput,
    TranslationOutput,
    TranslationPageOutput,
)
from jobs.translation.engines import TRANSLATORS

TAGS = ["Translation"]
TRANSLATION_ID = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b"
JOB_ID = "550e8400-e29b-41d4-a716-446655440000"


def _ok(serializer: Any, description: str, example: dict[str, Any]) -> OpenApiResponse:
    return OpenApiResponse(
        response=serializer,
        description=description,
        examples=[OpenApiExample("Example", value=example)],
    )


def _error(description: str, code: str, message: str) -> OpenApiResponse:
    return error_response(description, (code, message))


NOT_FOUND = _error("No such translation", "not_found", "No translation with that id was found.")


CREATED = {
    "translation_id": TRANSLATION_ID, "id": TRANSLATION_ID, "job_id": JOB_ID,
    "status": "queued", "from_language": "en", "to_language": "fr", "words": 22,
    "estimated_credits": 0.01, "estimated_wait": 5, "created_at": "2026-12-05T10:00:00Z",
}  # fmt: skip
DONE = {
    **CREATED, "status": "completed", "progress": 100, "model": "auto",
    "providers": ["deepl", "apertium"], "provider": "apertium",
    "credits_used": 0.01, "finished_at": "2026-12-05T10:00:03Z",
    "transcript": "Et ainsi, mes compatriotes américains…",
    "segments": [{"id": "0b6f2c1e-5d7a-4f0e-9a53-2f1d3c4b5a69", "start": 0.0, "end": 4.2,
                  "speaker": "President Kennedy", "speaker_id": None,
                  "text": "Et ainsi, mes compatriotes américains,"}],
}  # fmt: skip
FRENCH_TEXT = (
    "Et ainsi, mes compatriotes américains, ne demandez pas ce que votre pays peut faire "
    "pour vous, demandez ce que vous pouvez faire pour votre pays."
)

CREATE: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Translate a completed transcription",
    "description": (
        "Gumzo's `/translate/`. JSON `job_id` (a completed transcription), `to_language` "
        "(a language code), optional `webhook_url`, and Hark's routing, exactly as for "
        "transcriptions: `model` (a translator configured here, one of "
        f"{', '.join(f'`{name}`' for name in TRANSLATORS)}, or `whisper` for speech into "
        "English; default `auto`), `prefer` (`quality`, `speed` or `cost`: how `auto` "
        "ranks the translators that can take the pair) and `fallbacks` (translators tried "
        "in order when the one "
        "before fails transiently; `auto` among them means the best not tried yet). A "
        "translator that keeps failing is skipped for a while. Priced per source word: the "
        "dearest translator of the route is held, the one that serves is charged, and "
        "nothing if it fails. When it finishes, `webhook_url` receives Gumzo's webhook "
        "(`event` `job_completed` or `job_failed`, `job_type` `translation`, `job_id` the "
        "translation's id, `result_url`), signed in `X-Gumzo-Signature`."
    ),
    "request": TranslateInput,
    "examples": [
        OpenApiExample(
            "Into French",
            value={
                "job_id": JOB_ID,
                "to_language": "fr",
                "webhook_url": "https://example.com/callback",
            },
            request_only=True,
        ),
        OpenApiExample(
            "DeepL, falling back to Apertium",
            value={
                "job_id": JOB_ID,
                "to_language": "es",
                "model": "deepl",
                "fallbacks": ["apertium"],
            },
            request_only=True,
        ),
        OpenApiExample(
            "The cheapest translator first",
            value={"job_id": JOB_ID, "to_language": "es", "prefer": "cost"},
            request_only=True,
        ),
    ],
    "responses": {
        200: _ok(TranslationCreatedOutput, "Queued", CREATED),
        400: error_response(
            "An unsupported pair, or a transcription that has not completed",
            (
                "invalid_request",
                "No translator here can translate English into Klingon. From English you "
                "can translate into: Spanish (es), French (fr), Catalan (ca).",
            ),
            (
                "invalid_request",
                "This transcription is processing; it can be translated once it completes.",
            ),
        ),
        402: _error(
            "Not enough credits",
            "insufficient_credits",
            "You have 0 credits remaining but this translation requires 0.05 credits.",
        ),
        404: _error(
            "No such job in your organization",
            "not_found",
            "No transcription job with that id was found.",
        ),
        401: AUTHENTICATION_FAILED,
    },
}
LIST: dict[str, Any] = {
    "tags": TAGS,
    "summary": "List translations",
    # Otherwise it shares "api_v1_translate_retrieve" with the detail route.
    "operation_id": "api_v1_translate_list",
    "responses": {
        200: _ok(TranslationPageOutput, "A page of translations",
                 {"next": None, "previous": None,
                  "results": [{**CREATED, "progress": 0, "model": "auto", "providers": []}]}),
        401: AUTHENTICATION_FAILED,
    },
}  # fmt: skip
DETAIL: dict[str, Any] = {
    "tags": TAGS,
    "summary": "A translation, or an export of it",
    "description": (
        "Status, progress, languages, words, credits, `providers` (the translators called "
        "so far, in order; the last served a completed one) and, once completed, the segments "
        "(the source's times and speakers, translated text) and `transcript`. "
        "`?format=txt|srt|vtt|json|docx|pdf|html` downloads it with the same options and "
        "caption line rules as transcripts. Fix translated lines through "
        "`/api/v1/translate/{translation_id}/transcript/` (the transcript editing "
        "endpoints); the answer and every export then carry the fixes."
    ),
    "responses": {
        (200, "application/json"): _ok(TranslationOutput, "The translation", DONE),
        (200, "text/plain"): ok_response(
            OpenApiTypes.STR, "?format=txt, srt or vtt", **text_exports(FRENCH_TEXT, "fr")
        ),
        (200, "application/octet-stream"): OpenApiResponse(
            OpenApiTypes.BINARY, description="?format=docx or pdf"),
        400: _error("An unknown format", "invalid_request",
                    "Unknown format 'mp3'. Available formats: txt, srt, vtt, json, docx, pdf, "
                    "html."),
        404: NOT_FOUND,
        409: _error("An export of a translation that has not completed", "conflict",
                    "This translation is queued; exports are available once it completes."),
        401: AUTHENTICATION_FAILED,
    },
}  # fmt: skip
CANCEL: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Cancel a queued or running translation",
    "request": None,
    "responses": {
        200: _ok(
            TranslationOutput,
            "Canceled; the hold is released",
            {**CREATED, "status": "canceled", "progress": 0, "model": "auto", "providers": []},
        ),
        404: NOT_FOUND,
        409: _error(
            "Already finished",
            "conflict",
            "This translation is already completed and cannot be canceled.",
        ),
        401: AUTHENTICATION_FAILED,
    },
}
DELETE: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Delete a translation",
    "responses": {204: None, 404: NOT_FOUND, 401: AUTHENTICATION_FAILED},
}
