"""Chunk segments in storage: moved onto the media's timeline when a chunk is done,
read back in order when the job is stitched."""

from __future__ import annotations

from typing import Any

from jobs.engines.base import Segment, Word


def segment_on_timeline(segment: Segment, offset: float, limit: float) -> dict[str, Any]:
    """A chunk's segment on the media's timeline, kept inside the chunk."""

    def at(seconds: float) -> float:
        return round(min(max(seconds + offset, offset), limit), 3)

    words = [
        {"word": w.text, "start": at(w.start), "end": max(at(w.end), at(w.start)),
         "confidence": round(w.confidence, 4)}
        for w in segment.words
    ]  # fmt: skip
    return {
        "start": at(segment.start),
        "end": max(at(segment.end), at(segment.start)),
        "text": segment.text,
        "speaker": segment.speaker or "",
        "language": segment.language or "",
        "confidence": round(segment.confidence, 4),
        "words": words,
    }


def segment_from_json(item: dict[str, Any]) -> Segment:
    words = tuple(
        Word(w["word"], w["start"], w["end"], w.get("confidence", 0.0)) for w in item["words"]
    )
    return Segment(
        start=item["start"],
        end=item["end"],
        text=item["text"],
        confidence=item.get("confidence", 0.0),
        words=words,
        speaker=item.get("speaker") or None,
        language=item.get("language") or None,
    )
