"""How transcripts read in the editing API (``GET …/transcript/`` and edit answers)."""

from __future__ import annotations

from typing import Any

from jobs.engines.base import Segment, Word
from jobs.transcripts.models import Revision, Speaker
from jobs.transcripts.models import Segment as SegmentRow
from jobs.transcripts.selectors import SpeakerView, TranscriptView, segment_from_row


def transcript_output(view: TranscriptView, *, can_undo: bool, can_redo: bool) -> dict[str, Any]:
    return {
        "version": view.version,
        "language": view.language,
        "edited": view.edited,
        "can_undo": can_undo,
        "can_redo": can_redo,
        "speakers": [speaker_output(s) for s in view.speakers],
        "segments": [segment_output(s, view) for s in view.segments],
    }


def speaker_output(speaker: SpeakerView | Speaker) -> dict[str, Any]:
    if isinstance(speaker, Speaker):
        speaker = SpeakerView(str(speaker.key), speaker.label, speaker.name, speaker.color)
    return {"id": speaker.id, "name": speaker.name, "label": speaker.label, "color": speaker.color}


def segment_output(segment: Segment, view: TranscriptView) -> dict[str, Any]:
    speaker = view.speaker_of.get(segment.key or "")
    return {
        "id": segment.key,
        "start": segment.start,
        "end": segment.end,
        "speaker": speaker.id if speaker else None,
        "text": segment.text,
        "language": segment.language,
        "confidence": segment.confidence,
        "edited": (segment.key or "") in view.edited_keys,
        "words": [_word(w) for w in segment.words],
    }


def _word(w: Word) -> dict[str, Any]:
    return {
        "word": w.text,
        "start": w.start,
        "end": w.end,
        "confidence": w.confidence,
        "aligned": w.aligned,
    }


def row_output(row: SegmentRow) -> dict[str, Any]:
    """A stored segment as ``segment_output`` shows it, without reading the transcript."""
    speaker = row.speaker if row.speaker_id else None
    segment = segment_from_row(row, key=str(row.key), speaker=None)
    return {
        "id": segment.key,
        "start": segment.start,
        "end": segment.end,
        "speaker": str(speaker.key) if speaker else None,
        "text": segment.text,
        "language": segment.language,
        "confidence": segment.confidence,
        "edited": row.edited,
        "words": [_word(w) for w in segment.words],
    }


def revision_output(revision: Revision) -> dict[str, Any]:
    author = revision.author
    return {
        "version": revision.version,
        "action": revision.action,
        "summary": revision.summary,
        "author": (author.get_full_name() or author.email) if author else None,
        "api_key": revision.api_key.name if revision.api_key_id and revision.api_key else None,
        "created_at": revision.created_at,
        "reverts": revision.reverts,
        "changes": revision.changes,
    }
