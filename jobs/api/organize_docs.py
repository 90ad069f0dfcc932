"""OpenAPI descriptions and examples for renaming, tagging, filtering and batch uploads;
each constant is the keyword arguments of one ``extend_schema`` call."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse

from jobs.api.docs import COMMON_ERRORS, JOB_ID, _error
from jobs.api.serializers import JobUpdateInput, TagInput, TranscriptionOptionsInput
from jobs.services.batch import BATCH_FILES_MAX

TAG_NOT_FOUND = {404: _error("No such tag in your organization", "not_found",
                             "No tag with that id was found.")}  # fmt: skip


UPDATE: dict[str, Any] = {
    "summary": "Rename a job or set its tags",
    "description": "`name` is what the dashboard shows (empty: the file name again); "
    "`tags` replaces the job's tags by name, creating the organization's new ones. "
    "Either or both may be sent. The answer is the job, as `GET` shows it.",
    "request": JobUpdateInput,
    "examples": [
        OpenApiExample("rename and tag", request_only=True,
                       value={"name": "Board meeting, 4 Dec", "tags": ["meetings", "board"]}),
        OpenApiExample("clear the tags", request_only=True, value={"tags": []}),
    ],
    "responses": {
        200: OpenApiResponse(response=OpenApiTypes.OBJECT, examples=[
            OpenApiExample("renamed", response_only=True, value={
                "id": JOB_ID, "job_id": JOB_ID, "status": "completed", "progress": 100,
                "filename": "rec-0412.mp3", "name": "Board meeting, 4 Dec",
                "tags": ["board", "meetings"], "model": "whisper",
                "created_at": "2026-12-04T09:30:00Z", "estimated_credits": 5.5})]),
        400: _error("A name or tag too long, or nothing to change", "invalid_request",
                    "Tag names are at most 40 characters long."),
        **COMMON_ERRORS,
    },
}  # fmt: skip

TAG_LIST: dict[str, Any] = {
    "summary": "List the organization's tags, with how many jobs carry each",
    "responses": {
        200: OpenApiResponse(response=OpenApiTypes.OBJECT, examples=[
            OpenApiExample("tags", value={"results": [
                {"id": 3, "name": "interviews", "created_at": "2026-12-01T10:00:00Z",
                 "jobs": 12}]})]),
        **COMMON_ERRORS,
    },
}  # fmt: skip

TAG_CREATE: dict[str, Any] = {
    "summary": "Create a tag (or get the one of that name, in any case)",
    "request": TagInput,
    "examples": [OpenApiExample("new tag", request_only=True, value={"name": "interviews"})],
    "responses": {
        201: OpenApiResponse(response=OpenApiTypes.OBJECT, description="Created", examples=[
            OpenApiExample("created", response_only=True, value={
                "id": 3, "name": "interviews", "created_at": "2026-12-01T10:00:00Z"})]),
        200: OpenApiResponse(response=OpenApiTypes.OBJECT,
                             description="A tag of that name already existed", examples=[
            OpenApiExample("existing", response_only=True, value={
                "id": 3, "name": "Interviews", "created_at": "2026-12-01T10:00:00Z"})]),
        400: _error("An empty or too long name", "invalid_request",
                    "Tag names are at most 40 characters long."),
        **COMMON_ERRORS,
    },
}  # fmt: skip

TAG_DELETE: dict[str, Any] = {
    "summary": "Delete a tag; the jobs it was on lose only the tag",
    "responses": {204: None, **COMMON_ERRORS, **TAG_NOT_FOUND},
}

BATCH: dict[str, Any] = {
    "summary": "Transcribe several uploaded files, each its own job",
    "description": (
        f"Up to {BATCH_FILES_MAX} files in repeated multipart `file` fields, with the "
        "options of `POST /api/v1/transcribe/` applied to each. Every file becomes its own "
        "job with its own hold, in order; a file that cannot be transcribed (not audio, "
        "too large, more than the wallet can cover) is reported in its place in `results` "
        "with an `error` code and a `message`, and leaves nothing behind, while the others "
        "are queued. The answer is 200 whenever the request itself was readable, even if "
        "every file failed: look at `failed`."
    ),
    "request": {"multipart/form-data": TranscriptionOptionsInput},
    "examples": [
        OpenApiExample("two interviews", request_only=True, media_type="multipart/form-data",
                       value={"file": ["interview-1.mp3", "interview-2.mp3"], "language": "en"}),
    ],
    "responses": {
        200: OpenApiResponse(response=OpenApiTypes.OBJECT, examples=[
            OpenApiExample("one of three is not audio", value={
                "created": 2, "failed": 1, "results": [
                    {"filename": "a.mp3", "id": JOB_ID, "job_id": JOB_ID, "status": "queued",
                     "estimated_credits": 0.19, "estimated_wait": 30,
                     "created_at": "2026-12-04T09:30:00Z"},
                    {"filename": "notes.txt", "status": "failed", "error": "unsupported_media",
                     "message": "This file is not audio we can read."},
                    {"filename": "b.wav", "id": "6fa459ea-ee8a-3ca4-894e-db77e160355e",
                     "job_id": "6fa459ea-ee8a-3ca4-894e-db77e160355e", "status": "queued",
                     "estimated_credits": 0.5, "estimated_wait": 45,
                     "created_at": "2026-12-04T09:30:01Z"}]})]),
        400: _error("No file, or too many", "invalid_request",
                    f"Send at most {BATCH_FILES_MAX} files at once; split the rest into "
                    "another batch."),
        413: _error("The request is over the size cap", "file_too_large",
                    "This file is larger than the 500 MB limit."),
        **COMMON_ERRORS,
    },
}  # fmt: skip
