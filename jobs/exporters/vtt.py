"""WebVTT (.vtt): the ``WEBVTT`` header, then cues timed ``HH:MM:SS.mmm``, speakers as ``<v>``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from jobs.engines.base import Segment
from jobs.exporters.srt import clock, cue_text, cue_times

if TYPE_CHECKING:
    from jobs.exporters import TranscriptDocument


def render(document: TranscriptDocument) -> str:
    return segments_to_vtt(document.segments)


def segments_to_vtt(segments: Iterable[Segment]) -> str:
    """A WebVTT file with one cue per segment that has text."""
    blocks = ["WEBVTT\n"]
    for start_ms, end_ms, segment in cue_times(segments):
        text = _escape(cue_text(segment.text))
        if segment.speaker:
            text = f"<v {_escape(cue_text(segment.speaker))}>{text}"
        times = f"{clock(start_ms, decimal_mark='.')} --> {clock(end_ms, decimal_mark='.')}"
        blocks.append(f"{times}\n{text}\n")
    return "\n".join(blocks)


def _escape(text: str) -> str:
    # Cue text is parsed like HTML: a stray "<" or "&" would start a tag or an entity,
    # and "-->" inside the text would read as a timing line.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
