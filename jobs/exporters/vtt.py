"""WebVTT (.vtt): the ``WEBVTT`` header, then cues timed ``HH:MM:SS.mmm``, speakers as ``<v>``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from jobs.engines.base import Segment
from jobs.exporters.captions import build_cues
from jobs.exporters.options import ExportOptions
from jobs.exporters.srt import clock

if TYPE_CHECKING:
    from jobs.exporters import TranscriptDocument


def render(document: TranscriptDocument, options: ExportOptions) -> str:
    return segments_to_vtt(document.segments, options)


def segments_to_vtt(segments: Iterable[Segment], options: ExportOptions | None = None) -> str:
    """A WebVTT file, its cues cut by the options' caption rules. A voice tag names the
    speaker; players do not print it, so it takes no room on the line."""
    options = options or ExportOptions()
    blocks = ["WEBVTT\n"]
    for cue in build_cues(segments, options.captions):
        lines = [escape(line) for line in cue.lines]
        if options.speaker_names and cue.speaker:
            lines[0] = f"<v {escape(' '.join(cue.speaker.split()))}>{lines[0]}"
        times = f"{clock(cue.start_ms, decimal_mark='.')} --> {clock(cue.end_ms, decimal_mark='.')}"
        blocks.append(f"{times}\n" + "\n".join(lines) + "\n")
    return "\n".join(blocks)


def escape(text: str) -> str:
    # Cue text is parsed like HTML: a stray "<" or "&" would start a tag or an entity,
    # and "-->" inside the text would read as a timing line.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
