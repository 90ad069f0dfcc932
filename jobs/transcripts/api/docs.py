"""OpenAPI descriptions and examples for the transcript editing endpoints (each constant
is the keyword arguments of one ``extend_schema`` call)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from config.api_schema import AUTHENTICATION_FAILED, error_response
from jobs.transcripts.api.schema import (
    ReplaceInput,
    ReplaceOutput,
    RestoreInput,
    RevisionsOutput,
    SegmentEditInput,
    SegmentEditOutput,
    SegmentOutput,
    SegmentsOutput,
    SpeakerInput,
    SpeakerOutput,
    SplitInput,
    TranscriptOutput,
    VersionInput,
)

TAGS = ["Transcript editing"]
SEGMENT_ID = "0b6f2c1e-5d7a-4f0e-9a53-2f1d3c4b5a69"
SPEAKER_ID = "7c1d2e3f-4a5b-4c6d-8e9f-0a1b2c3d4e5f"

SEGMENT_EXAMPLE = {
    "id": SEGMENT_ID, "start": 0.0, "end": 4.2, "speaker": SPEAKER_ID,
    "text": "And so, my fellow Americans,", "language": "en", "confidence": 0.93,
    "edited": True,
    "words": [
        {"word": "And", "start": 0.0, "end": 0.3, "confidence": 0.91, "aligned": True},
        {"word": "so,", "start": 0.3, "end": 0.62, "confidence": 0.95, "aligned": True},
    ],
}  # fmt: skip
TRANSCRIPT_EXAMPLE = {
    "version": 3, "language": "en", "edited": True, "can_undo": True, "can_redo": False,
    "speakers": [{"id": SPEAKER_ID, "name": "President Kennedy", "label": "SPEAKER_00",
                  "color": "#0072B2"}],
    "segments": [SEGMENT_EXAMPLE],
}  # fmt: skip


def _error(description: str, code: str, message: str) -> OpenApiResponse:
    return error_response(description, (code, message))


def _ok(serializer: Any, description: str, example: dict[str, Any]) -> OpenApiResponse:
    return OpenApiResponse(
        response=serializer,
        description=description,
        examples=[OpenApiExample("Example", value=example)],
    )


def _request(serializer: Any, example: dict[str, Any]) -> dict[str, Any]:
    return {
        "request": serializer,
        "examples": [OpenApiExample("Request", value=example, request_only=True)],
    }


NOT_FOUND = _error(
    "No such job, segment, speaker or revision in your organization",
    "not_found",
    "No segment with that id was found in this transcript.",
)
CONFLICT = _error(
    "The version you edited is no longer current; nothing changed",
    "conflict",
    "This transcript changed since you loaded it (you edited version 3; it is now at "
    "version 4). Nothing was saved: reload it and make your change again.",
)
NOT_YET = _error(
    "The job or translation has not completed, so it has no transcript yet",
    "conflict",
    "This job is processing; it has a transcript once it completes.",
)
INVALID = _error("A bad value", "invalid_request", "A segment must end after it starts.")
ERRORS = {400: INVALID, 404: NOT_FOUND, 409: CONFLICT, 401: AUTHENTICATION_FAILED}

TRANSCRIPT: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Read the current transcript for editing",
    "description": (
        "The current version (the engine's output until someone edits it) with every word "
        "as stored (full verbatim), stable segment and speaker ids, and `version`, which "
        "every edit must send back. Words with `aligned: false` were typed in and are "
        "being placed against the audio in the background.\n\n"
        "Every route here also works on a translation, under "
        "`/api/v1/translate/{translation_id}/transcript/`: version 1 is the translator's "
        "text, fixes are versions with revisions and undo like a transcript's, and exports "
        "of the translation include them. A translation's segments stay one-to-one with "
        "the original's, so split, merge and `start`/`end` are a 400 there."
    ),
    "responses": {
        200: _ok(TranscriptOutput, "The transcript", TRANSCRIPT_EXAMPLE),
        404: NOT_FOUND,
        409: NOT_YET,
        401: AUTHENTICATION_FAILED,
    },
}
SEGMENT_EDIT: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Edit a segment's text, speaker or times",
    "description": (
        "Send `version` and any of `text`, `speaker` (a speaker id; empty for none), "
        "`start`, `end`. Unchanged words keep their times; new ones are re-aligned against "
        "the audio in the background. A `version` that is not the current one is a 409. "
        "On a translation (`/api/v1/translate/{translation_id}/transcript/segments/{id}/`) "
        "this fixes a translated line: `text` and `speaker` only."
    ),
    **_request(SegmentEditInput, {"version": 3, "text": "And so, my fellow Americans,"}),
    "responses": {
        200: _ok(SegmentEditOutput, "The new version and the segment",
                 {"version": 4, "segment": SEGMENT_EXAMPLE, "segments": [SEGMENT_EXAMPLE]}),
        **ERRORS,
    },
}  # fmt: skip
SPLIT: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Split a segment before a word",
    "description": "`word_index` counts the segment's words from 0; both parts keep at "
    "least one word and their times.",
    **_request(SplitInput, {"version": 4, "word_index": 3}),
    "responses": {200: _ok(SegmentsOutput, "Both parts",
                           {"version": 5, "segments": [SEGMENT_EXAMPLE]}),
                  **ERRORS},
}  # fmt: skip
MERGE: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Merge a segment with the next one",
    **_request(VersionInput, {"version": 5}),
    "responses": {200: _ok(SegmentOutput, "The merged segment",
                           {"version": 6, "segment": SEGMENT_EXAMPLE}),
                  **ERRORS},
}  # fmt: skip
SPEAKER_ADD: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Add a speaker",
    **_request(SpeakerInput, {"name": "Moderator"}),
    "responses": {201: _ok(SpeakerOutput, "The new speaker", {"version": 7, "speaker": {
        "id": SPEAKER_ID, "name": "Moderator", "label": "", "color": "#D55E00"}}), **ERRORS},
}  # fmt: skip
SPEAKER_RENAME: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Rename a speaker everywhere",
    "description": "The new name shows in the transcript, `?segments=true`, every export "
    "and webhooks. `version` is optional here; when sent, a stale one is a 409.",
    **_request(SpeakerInput, {"name": "President Kennedy"}),
    "responses": {200: _ok(SpeakerOutput, "The speaker", {"version": 8, "speaker": {
        "id": SPEAKER_ID, "name": "President Kennedy", "label": "SPEAKER_00",
        "color": "#0072B2"}}), **ERRORS},
}  # fmt: skip
REPLACE: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Find and replace across the transcript",
    "description": "`whole_word` and `case_sensitive` default to false. With `preview: true` "
    "nothing changes and `replacements` is how many places would.",
    **_request(ReplaceInput,
               {"version": 8, "find": "colour", "replace": "color", "whole_word": True}),
    "responses": {200: _ok(ReplaceOutput, "How many places changed",
                           {"version": 9, "replacements": 4, "preview": False}), **ERRORS},
}  # fmt: skip
UNDO: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Undo the last change",
    "description": "Recorded as a new version; redo puts the change back.",
    **_request(VersionInput, {"version": 9}),
    "responses": {
        200: _ok(TranscriptOutput, "The transcript after undoing", TRANSCRIPT_EXAMPLE),
        **ERRORS,
    },
}
REDO: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Redo the last undone change",
    **_request(VersionInput, {"version": 10}),
    "responses": {
        200: _ok(TranscriptOutput, "The transcript after redoing", TRANSCRIPT_EXAMPLE),
        **ERRORS,
    },
}
REVISIONS: dict[str, Any] = {
    "tags": TAGS,
    "summary": "The transcript's history",
    "description": "Newest first: who changed what, when, with every segment and speaker "
    "before and after. Version 1 is the engine's output.",
    "responses": {200: _ok(RevisionsOutput, "Revisions", {"version": 2, "revisions": [
        {"version": 2, "action": "rename", "summary": "Renamed SPEAKER_00 to President Kennedy",
         "author": "ada@example.com", "api_key": None, "created_at": "2026-12-05T10:00:00Z",
         "reverts": None, "changes": [{"kind": "speaker", "key": SPEAKER_ID,
                                       "before": {"name": "SPEAKER_00"},
                                       "after": {"name": "President Kennedy"}}]},
    ]}), 404: NOT_FOUND, 409: NOT_YET, 401: AUTHENTICATION_FAILED},
}  # fmt: skip
RESTORE: dict[str, Any] = {
    "tags": TAGS,
    "summary": "Restore an earlier version",
    "description": "Makes the transcript what it was at that version, as a new version "
    "(history is kept). Send the current `version` to guard against a concurrent edit.",
    **_request(RestoreInput, {"version": 12}),
    "responses": {
        200: _ok(TranscriptOutput, "The restored transcript", TRANSCRIPT_EXAMPLE),
        **ERRORS,
    },
}
