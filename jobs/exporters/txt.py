"""Plain text: one line per segment, or one paragraph per speaker turn when speakers are known."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from jobs.engines.base import Segment

if TYPE_CHECKING:
    from jobs.exporters import TranscriptDocument


def render(document: TranscriptDocument) -> str:
    return segments_to_text(document.segments)


def segments_to_text(segments: Iterable[Segment]) -> str:
    """The transcript as readable text, ending with a newline (empty when there is no text)."""
    paragraphs: list[tuple[str | None, list[str]]] = []
    for segment in segments:
        text = " ".join(segment.text.split())
        if not text:
            continue
        if segment.speaker and paragraphs and paragraphs[-1][0] == segment.speaker:
            paragraphs[-1][1].append(text)
        else:
            paragraphs.append((segment.speaker, [text]))
    if not paragraphs:
        return ""
    with_speakers = any(speaker for speaker, _ in paragraphs)
    lines = [
        f"{speaker}: {' '.join(texts)}" if speaker else " ".join(texts)
        for speaker, texts in paragraphs
    ]
    # Speaker turns read best as paragraphs; unlabelled segments as consecutive lines.
    return ("\n\n" if with_speakers else "\n").join(lines) + "\n"
