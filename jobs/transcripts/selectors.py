"""Reading a job's transcript: the one place that decides which version is current and
what its text is. The API, exports, webhooks, pages and search all read through here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db.models import QuerySet

from jobs.engines.base import Segment, Word
from jobs.errors import JobNotFound
from jobs.models import JobType, TranscriptionJob
from jobs.text.smart import apply_job_type
from jobs.transcripts.models import Revision, Speaker, Transcript, TranscriptKind
from jobs.transcripts.models import Segment as SegmentRow
from jobs.translation.models import TranslationJob

CLEAN_VERBATIM = "clean_verbatim"
FULL_VERBATIM = "full_verbatim"
TEXT_FORMATS = (CLEAN_VERBATIM, FULL_VERBATIM)


@dataclass(frozen=True)
class SpeakerView:
    id: str
    label: str
    name: str
    color: str


@dataclass(frozen=True)
class TranscriptView:
    """A transcript as read: segments are ``jobs.engines.base.Segment`` (each with its
    ``key`` and its speaker's display name), so exporters and text tools take them as
    they take an engine's output."""

    id: int
    kind: str
    version: int
    language: str
    summary: str
    topics: list[str]
    speakers: tuple[SpeakerView, ...]
    segments: tuple[Segment, ...]
    # Segment key → its speaker (absent for segments without one).
    speaker_of: dict[str, SpeakerView]
    # Segment keys a person changed.
    edited_keys: frozenset[str]

    @property
    def edited(self) -> bool:
        return self.kind == TranscriptKind.EDITED

    @property
    def text(self) -> str:
        """The transcript's text: computed here, never stored, so it cannot go stale."""
        return transcript_text(self.segments)


def transcript_text(segments: Sequence[Segment]) -> str:
    return " ".join(" ".join(s.text.split()) for s in segments if s.text.strip())


def job_text(job: TranscriptionJob) -> str:
    """The job's transcript text as the job type reads it ("" before there is one)."""
    view = transcript_read(job)
    return view.text if view else ""


def transcript_current(job: TranscriptionJob) -> Transcript | None:
    """The version the job shows: the edited copy once there is one, else the original."""
    return (
        Transcript.objects.filter(job=job, is_current=True)
        .exclude(kind=TranscriptKind.TRANSLATED)
        .first()
    )


def transcript_edited_of(subject: TranscriptionJob | TranslationJob) -> Transcript | None:
    """What the editor shows and edits change: a job's current transcript, or a
    translation's own."""
    if isinstance(subject, TranslationJob):
        return Transcript.objects.filter(translation=subject).first()
    return transcript_current(subject)


def transcript_original(job: TranscriptionJob) -> Transcript | None:
    return Transcript.objects.filter(job=job, kind=TranscriptKind.ORIGINAL).first()


def transcript_read(
    job: TranscriptionJob, *, text_format: str | None = None
) -> TranscriptView | None:
    """The job's current transcript, or None before it has one.

    ``text_format``: ``full_verbatim`` is every word as stored; ``clean_verbatim`` drops
    fillers (Smart); None follows the job's own type. The stored words are always the
    full ones, so either can be had at any time.
    """
    transcript = transcript_current(job)
    if transcript is None:
        return None
    view = transcript_view(transcript)
    if text_format is None:
        text_format = FULL_VERBATIM if job.job_type == JobType.VERBATIM else CLEAN_VERBATIM
    if text_format == CLEAN_VERBATIM:
        cleaned = apply_job_type(view.segments, JobType.SMART, language=view.language)
        view = replace(view, segments=tuple(cleaned))
    return view


def transcript_view(transcript: Transcript) -> TranscriptView:
    """Everything in one transcript, as stored (two queries)."""
    speakers = {
        speaker.pk: SpeakerView(str(speaker.key), speaker.label, speaker.name, speaker.color)
        for speaker in Speaker.objects.filter(transcript=transcript).order_by("position", "pk")
    }
    segments: list[Segment] = []
    speaker_of: dict[str, SpeakerView] = {}
    edited: set[str] = set()
    for row in SegmentRow.objects.filter(transcript=transcript).order_by("position"):
        key = str(row.key)
        speaker = speakers.get(row.speaker_id) if row.speaker_id else None
        if speaker is not None:
            speaker_of[key] = speaker
        if row.edited:
            edited.add(key)
        segments.append(segment_from_row(row, key=key, speaker=speaker))
    return TranscriptView(
        id=transcript.pk,
        kind=transcript.kind,
        version=transcript.version,
        language=transcript.language,
        summary=transcript.summary,
        topics=list(transcript.topics),
        speakers=tuple(speakers.values()),
        segments=tuple(segments),
        speaker_of=speaker_of,
        edited_keys=frozenset(edited),
    )


def segment_from_row(row: SegmentRow, *, key: str, speaker: SpeakerView | None) -> Segment:
    return Segment(
        start=row.start,
        end=row.end,
        text=row.text,
        confidence=row.confidence,
        words=words_from_json(row.words),
        speaker=speaker.name if speaker else None,
        language=row.language or None,
        key=key,
    )


def words_from_json(words: Sequence[dict[str, Any]]) -> tuple[Word, ...]:
    return tuple(
        Word(
            w["word"],
            w["start"],
            w["end"],
            w.get("confidence", 0.0),
            w.get("aligned", True),
        )
        for w in words
    )


def speaking_times(view: TranscriptView) -> list[tuple[SpeakerView, float]]:
    """Each speaker's total speaking time, in order of first appearance."""
    seconds: dict[str, float] = {}
    by_id: dict[str, SpeakerView] = {}
    for segment in view.segments:
        speaker = view.speaker_of.get(segment.key or "")
        if speaker is None:
            continue
        by_id[speaker.id] = speaker
        seconds[speaker.id] = seconds.get(speaker.id, 0.0) + max(segment.end - segment.start, 0)
    return [(by_id[key], total) for key, total in seconds.items()]


def segment_get(transcript: Transcript, segment_id: object) -> SegmentRow:
    """A segment of ``transcript`` by its stable id; a malformed or foreign id is
    indistinguishable from a missing one."""
    key = _uuid(segment_id, "No segment with that id was found in this transcript.")
    row = SegmentRow.objects.filter(transcript=transcript, key=key).first()
    if row is None:
        raise JobNotFound("No segment with that id was found in this transcript.")
    return row


def speaker_get(transcript: Transcript, speaker_id: object) -> Speaker:
    key = _uuid(speaker_id, "No speaker with that id was found in this transcript.")
    speaker = Speaker.objects.filter(transcript=transcript, key=key).first()
    if speaker is None:
        raise JobNotFound("No speaker with that id was found in this transcript.")
    return speaker


def revisions_for(transcript: Transcript) -> QuerySet[Revision]:
    return Revision.objects.filter(transcript=transcript).select_related("author")


def _uuid(value: object, message: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except ValueError:
        raise JobNotFound(message) from None
