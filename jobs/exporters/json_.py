"""JSON: the full transcript with segment and word timings, speakers and confidences.

Named ``json_`` so that it does not shadow the standard library's ``json``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from jobs.engines.base import Segment, Word
from jobs.exporters.options import ExportOptions

if TYPE_CHECKING:
    from jobs.exporters import TranscriptDocument


def render(document: TranscriptDocument, options: ExportOptions) -> str:
    return transcript_to_json(document, options)


def transcript_to_json(document: TranscriptDocument, options: ExportOptions | None = None) -> str:
    """The document as pretty-printed UTF-8 JSON; times in seconds to the millisecond.
    Without speaker names, every ``speaker`` is null."""
    names = (options or ExportOptions()).speaker_names
    payload = {
        "title": document.title,
        "text": " ".join(s.text.strip() for s in document.segments if s.text.strip()),
        "language": document.language,
        "duration": _seconds(document.duration),
        "segments": [_segment(segment, names) for segment in document.segments],
    }
    return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"


def _segment(segment: Segment, names: bool) -> dict[str, Any]:
    start, end = _span(segment.start, segment.end)
    return {
        "start": start,
        "end": end,
        "text": segment.text.strip(),
        "speaker": segment.speaker if names else None,
        "confidence": round(segment.confidence, 3),
        "words": [_word(word) for word in segment.words],
    }


def _word(word: Word) -> dict[str, Any]:
    start, end = _span(word.start, word.end)
    return {"text": word.text, "start": start, "end": end, "confidence": round(word.confidence, 3)}


def _span(start: float, end: float) -> tuple[float, float]:
    start = _seconds(start)
    return start, max(start, _seconds(end))


def _seconds(value: float) -> float:
    return max(0.0, round(value, 3))
