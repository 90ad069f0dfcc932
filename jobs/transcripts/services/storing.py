"""Storing what an engine produced as the job's original transcript."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from jobs.engines.base import Segment, Word
from jobs.models import TranscriptionJob
from jobs.transcripts.models import POSITION_GAP, Speaker, Transcript, TranscriptKind
from jobs.transcripts.models import Segment as SegmentRow

# Distinguishable on white and for the common colour-vision deficiencies (Okabe-Ito),
# darkened enough for text contrast.
SPEAKER_COLORS = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#8A6D00", "#56B4E9", "#6B6B6B", "#A0522D",
)  # fmt: skip


def speaker_color(position: int) -> str:
    return SPEAKER_COLORS[position % len(SPEAKER_COLORS)]


def transcript_store_original(
    job: TranscriptionJob,
    segments: Sequence[Segment],
    *,
    language: str,
    summary: str = "",
    topics: Sequence[str] = (),
) -> Transcript:
    """The engine's segments, exactly as they came, as the job's original transcript
    (replacing one a previous attempt left). Speakers are made from the engine's labels
    in order of first appearance."""
    Transcript.objects.filter(job=job).delete()
    transcript = Transcript.objects.create(
        job=job,
        kind=TranscriptKind.ORIGINAL,
        language=language,
        summary=summary,
        topics=list(topics),
    )
    speakers: dict[str, Speaker] = {}
    for segment in segments:
        label = segment.speaker or ""
        if label and label not in speakers:
            position = len(speakers)
            speakers[label] = Speaker(
                transcript=transcript,
                label=label,
                name=label,
                color=speaker_color(position),
                position=position,
            )
    Speaker.objects.bulk_create(speakers.values())
    SegmentRow.objects.bulk_create(
        SegmentRow(
            transcript=transcript,
            position=(index + 1) * POSITION_GAP,
            start=round(segment.start, 3),
            end=round(segment.end, 3),
            speaker=speakers[segment.speaker] if segment.speaker else None,
            language=segment.language or "",
            text=segment.text.strip(),
            words=[word_json(word) for word in segment.words],
            confidence=round(segment.confidence, 4),
        )
        for index, segment in enumerate(segments)
    )
    return transcript


def word_json(word: Word) -> dict[str, Any]:
    return {
        "word": word.text,
        "start": round(word.start, 3),
        "end": round(word.end, 3),
        "confidence": round(word.confidence, 4),
        "aligned": word.aligned,
    }
