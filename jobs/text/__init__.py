"""Offline text post-processing: Gumzo's job types, and an extractive summary with topics."""

from __future__ import annotations

from jobs.text.smart import apply_job_type
from jobs.text.summary import summarize

__all__ = ["apply_job_type", "summarize"]
