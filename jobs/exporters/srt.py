"""SubRip (.srt): numbered cues with ``HH:MM:SS,mmm --> HH:MM:SS,mmm`` times."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from jobs.engines.base import Segment

if TYPE_CHECKING:
    from jobs.exporters import TranscriptDocument


def render(document: TranscriptDocument) -> str:
    return segments_to_srt(document.segments)


def segments_to_srt(segments: Iterable[Segment]) -> str:
    """One cue per segment with text, numbered from 1; a speaker becomes a ``Name:`` prefix."""
    cues = []
    for number, (start_ms, end_ms, segment) in enumerate(cue_times(segments), start=1):
        text = cue_text(segment.text)
        if segment.speaker:
            text = f"{cue_text(segment.speaker)}: {text}"
        cues.append(f"{number}\n{clock(start_ms)} --> {clock(end_ms)}\n{text}\n")
    return "\n".join(cues)


def cue_times(segments: Iterable[Segment]) -> Iterable[tuple[int, int, Segment]]:
    """(start ms, end ms, segment) for each segment that has text, with end never before start.

    Shared with WebVTT. Times are rounded to whole milliseconds once, here, so that a cue's
    end can never print before its start however the floats fall.
    """
    for segment in segments:
        if not segment.text.strip():
            continue  # an empty cue would end the cue block and break parsers
        start_ms = max(0, round(segment.start * 1000))
        end_ms = max(start_ms, round(segment.end * 1000))
        yield start_ms, end_ms, segment


def cue_text(text: str) -> str:
    # A blank line ends a cue in both SRT and WebVTT, so a cue is always one line.
    return " ".join(text.split())


def clock(milliseconds: int, *, decimal_mark: str = ",") -> str:
    """``HH:MM:SS,mmm`` (hours grow past 99 rather than wrapping)."""
    seconds, millis = divmod(milliseconds, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{decimal_mark}{millis:03d}"
