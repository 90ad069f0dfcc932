"""How times read on pages: transcript stamps like ``00:01.2`` and durations like ``1:05``."""

from __future__ import annotations


def timestamp_label(seconds: float) -> str:
    """``[mm:ss.d]`` precision: enough to find a place, short enough to scan a column."""
    tenths = max(0, round(seconds * 10))
    hours, rest = divmod(tenths, 36000)
    minutes, rest = divmod(rest, 600)
    whole, tenth = divmod(rest, 10)
    if hours:
        return f"{hours}:{minutes:02d}:{whole:02d}.{tenth}"
    return f"{minutes:02d}:{whole:02d}.{tenth}"


def duration_label(seconds: float) -> str:
    """Whole seconds, cut rather than rounded: the browser's audio player shows 11.6 s as
    ``0:11``, and the job's duration must read the same beside it."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, whole = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{whole:02d}"
    return f"{minutes}:{whole:02d}"


def clock_label(seconds: float) -> str:
    """A point in the media as people type it: ``1:05``, with tenths only when they matter
    (a From of 2.5 s reads ``0:02.5``, not a rounded ``0:03``)."""
    tenths = max(0, round(seconds * 10))
    if tenths % 10 == 0:
        return duration_label(tenths // 10)
    whole, tenth = divmod(tenths, 10)
    return f"{duration_label(whole)}.{tenth}"


def span_label(start: float, end: float | None) -> str:
    """GoTranscript's from/till as a phrase; "" when the whole recording is transcribed."""
    if not start and end is None:
        return ""
    return f"from {clock_label(start)} to {'the end' if end is None else clock_label(end)}"
