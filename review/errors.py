"""The desk's errors; they are jobs errors, so the API maps them like any other."""

from __future__ import annotations

from jobs.errors import JobConflict, JobNotFound


class ReviewNotFound(JobNotFound):
    def __init__(self, message: str = "There is no such review task.") -> None:
        super().__init__(message)


class ReviewConflict(JobConflict):
    """The task is not in a state that allows this (claimed by someone else, closed)."""
