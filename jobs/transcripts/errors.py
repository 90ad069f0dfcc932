"""Errors of transcript editing; each maps to an API error code through ``JobError``."""

from __future__ import annotations

from jobs.errors import JobConflict, JobError


class TranscriptConflict(JobConflict):
    """A save made on a version that is no longer the current one."""

    def __init__(self, *, yours: int, current: int) -> None:
        super().__init__(
            f"This transcript changed since you loaded it (you edited version {yours}; it "
            f"is now at version {current}). Nothing was saved: reload it and make your "
            "change again."
        )
        self.current = current


class TranscriptForbidden(JobError):
    status = 403
    code = "forbidden"
