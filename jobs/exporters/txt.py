"""Plain text: one line per segment, or one paragraph per speaker turn when speakers are known."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from jobs.engines.base import Segment
from jobs.exporters.options import ExportOptions
from jobs.exporters.prose import has_speakers, paragraphs

if TYPE_CHECKING:
    from jobs.exporters import TranscriptDocument


def render(document: TranscriptDocument, options: ExportOptions) -> str:
    return segments_to_text(document.segments, options)


def segments_to_text(segments: Sequence[Segment], options: ExportOptions | None = None) -> str:
    """The transcript as readable text, ending with a newline (empty when there is no text)."""
    options = options or ExportOptions()
    lines = [
        f"{p.speaker}: {p.text}" if p.speaker else p.text for p in paragraphs(segments, options)
    ]
    if not lines:
        return ""
    # Speaker turns read best as paragraphs; unlabelled segments as consecutive lines.
    return ("\n\n" if has_speakers(segments) else "\n").join(lines) + "\n"
