"""Errors the jobs services raise; each maps to one API error code and status."""

from __future__ import annotations


class JobError(Exception):
    status = 400
    code = "invalid_request"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidJobRequest(JobError):
    """An option the chosen engine cannot serve, a bad value, a too-long file."""


class UnsupportedMediaError(JobError):
    status = 415
    code = "unsupported_media"


class FileTooLarge(JobError):
    status = 413
    code = "file_too_large"


class JobNotFound(JobError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "No transcription job with that id was found.") -> None:
        super().__init__(message)


class JobConflict(JobError):
    status = 409
    code = "conflict"


class TagNotFound(JobError):
    status = 404
    code = "not_found"

    def __init__(self, message: str = "No tag with that id was found.") -> None:
        super().__init__(message)
