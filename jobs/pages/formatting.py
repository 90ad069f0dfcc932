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
    total = max(0, round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, whole = divmod(rest, 60)
    if hours:
        return f"{hours}:{minutes:02d}:{whole:02d}"
    return f"{minutes}:{whole:02d}"
