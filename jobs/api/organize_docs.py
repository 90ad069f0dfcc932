"""OpenAPI descriptions and examples for renaming, tagging, filtering and batch uploads;
each constant is the keyword arguments of one ``extend_schema`` call."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample
from rest_framework import serializers

from config.api_schema import AUTHENTICATION_FAILED, error_response, ok_response
from jobs.api.docs import COMMON_ERRORS, JOB_ID, _error
from jobs.api.schema import BatchOutput, JobDetailOutput, TagListOutput, TagOutput
from jobs.api.serializers import JobUpdateInput, TagInput, TranscriptionOptionsInput
from jobs.services.batch import BATCH_FILES_MAX
from jobs.services.organize import NAME_MAX, TAG_MAX, TAGS_PER_JOB_MAX

TAG_NOT_FOUND = {404: _error("No such tag in your organization", "not_found",
                             "No tag with that id was found.")}  # fmt: skip
TAG_EXAMPLE = {"id": 3, "name": "interviews", "created_at": "2026-12-01T10:00:00Z"}


class TranscriptionBatchInput(TranscriptionOptionsInput):
    """The batch's form, for the docs: the view reads the options with
    ``TranscriptionOptionsInput`` and the files with ``request.FILES.getlist("file")``.
    An array of binary strings is how OpenAPI 3.0 says "repeat the ``file`` part"
    (multipart arrays are sent exploded, one part per item)."""

    file = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False),
        min_length=1,
        max_length=BATCH_FILES_MAX,
        help_text=f"1 to {BATCH_FILES_MAX} audio files, each in its own `file` part.",
    )


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
        200: ok_response(JobDetailOutput, "The job, renamed or retagged", renamed={
            "id": JOB_ID, "job_id": JOB_ID, "status": "completed", "progress": 100,
            "filename": "rec-0412.mp3", "name": "Board meeting, 4 Dec",
            "tags": ["board", "meetings"], "model": "whisper",
            "created_at": "2026-12-04T09:30:00Z", "estimated_credits": 5.5,
            "provider": "whisper", "providers": ["whisper"],
            "transcript": "Good morning, everyone. Let's start with the budget.",
            "duration_seconds": 1800.0, "language": "en", "credits_used": 5.5,
            "speakers": [{"id": "A", "name": "Speaker A", "label": "",
                          "speaking_time": 1800.0}],
            "edited": False, "version": 1, "finished_at": "2026-12-04T09:41:12Z"}),
        400: error_response(
            "Nothing to change, too many tags, or a name or tag too long",
            ("invalid_request", "Send name, tags or both to change."),
            ("invalid_request",
             f"A transcription can carry at most {TAGS_PER_JOB_MAX} tags."),
            ("invalid_request",
             f"name: Ensure this field has no more than {NAME_MAX} characters."),
        ),
        **COMMON_ERRORS,
    },
}  # fmt: skip

TAG_LIST: dict[str, Any] = {
    "summary": "List the organization's tags, with how many jobs carry each",
    "responses": {
        200: ok_response(TagListOutput, "The organization's tags",
                         tags={"results": [{**TAG_EXAMPLE, "jobs": 12}]}),
        401: AUTHENTICATION_FAILED,
    },
}  # fmt: skip

TAG_CREATE: dict[str, Any] = {
    "summary": "Create a tag (or get the one of that name, in any case)",
    "request": TagInput,
    "examples": [OpenApiExample("new tag", request_only=True, value={"name": "interviews"})],
    "responses": {
        201: ok_response(TagOutput, "Created", created=TAG_EXAMPLE),
        200: ok_response(TagOutput, "A tag of that name already existed",
                         existing={**TAG_EXAMPLE, "name": "Interviews"}),
        400: error_response(
            "An empty or too long name",
            ("invalid_request", "The 'name' field may not be blank."),
            ("invalid_request",
             f"name: Ensure this field has no more than {TAG_MAX} characters."),
        ),
        401: AUTHENTICATION_FAILED,
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
    "request": {"multipart/form-data": TranscriptionBatchInput},
    "examples": [
        OpenApiExample("two interviews", request_only=True, media_type="multipart/form-data",
                       value={"file": ["interview-1.mp3", "interview-2.mp3"], "language": "en"}),
    ],
    "responses": {
        200: ok_response(BatchOutput, "Each file's job, or why it has none",
                         one_of_three_is_not_audio={
                "created": 2, "failed": 1, "results": [
                    {"filename": "a.mp3", "id": JOB_ID, "job_id": JOB_ID, "status": "queued",
                     "estimated_credits": 0.19, "estimated_wait": 30,
                     "created_at": "2026-12-04T09:30:00Z"},
                    {"filename": "notes.txt", "status": "failed", "error": "unsupported_media",
                     "message": "This file is not audio we can read."},
                    {"filename": "b.wav", "id": "6fa459ea-ee8a-3ca4-894e-db77e160355e",
                     "job_id": "6fa459ea-ee8a-3ca4-894e-db77e160355e", "status": "queued",
                     "estimated_credits": 0.5, "estimated_wait": 45,
                     "created_at": "2026-12-04T09:30:01Z"}]}),
        400: error_response(
            "No file, or too many",
            ("invalid_request", "Attach at least one file in the 'file' field."),
            ("invalid_request", f"Send at most {BATCH_FILES_MAX} files at once; split the "
             "rest into another batch."),
        ),
        413: _error("The request is over the size cap (the cap of one file, times "
                    f"{BATCH_FILES_MAX})", "file_too_large",
                    "This file is larger than the 500 MB limit. Split it or compress it "
                    "(e.g. to MP3 or Opus) and try again."),
        401: AUTHENTICATION_FAILED,
    },
}  # fmt: skip
