"""Reading a job's transcript: the one place that decides which version is current and
what its text is. The API, exports, webhooks, pages and search all read through here."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from django.db.models import CharField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Cast, Concat

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
# The doubtful-word threshold the editor marks and steps through, and the workspace's
# review of doubtful segments selects by; the engines' word confidences are
# probabilities, and below this Whisper is wrong often enough to check.
LOW_CONFIDENCE = 0.6


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

    @cached_property
    def text(self) -> str:
        """The transcript's text: computed here, never stored, so it cannot go stale.
        Kept once computed: the view is immutable, and a cached status-poll view is
        read many times a minute."""
        return transcript_text(self.segments)


def transcript_text(segments: Sequence[Segment]) -> str:
    return " ".join(" ".join(s.text.split()) for s in segments if s.text.strip())


def job_text(job: TranscriptionJob) -> str:
    """The job's transcript text as the job type reads it ("" before there is one)."""
    view = transcript_read(job)
    return view.text if view else ""


def _current_of(job: Any) -> QuerySet[Transcript]:
    # Every status poll asks, so the query is kept cheap to build and to run: kinds named
    # rather than excluded (a negation costs the ORM twice the work), and ordered within
    # the job (the model's default ordering starts with the job, which joins the jobs
    # table to sort by the job's own ordering).
    return Transcript.objects.filter(
        job=job, is_current=True, kind__in=(TranscriptKind.ORIGINAL, TranscriptKind.EDITED)
    ).order_by("created_at", "id")


def transcript_current(job: TranscriptionJob) -> Transcript | None:
    """The version the job shows: the edited copy once there is one, else the original."""
    return _current_of(job).first()


def with_transcript_stamp(jobs: QuerySet[TranscriptionJob]) -> QuerySet[TranscriptionJob]:
    """``jobs`` with ``transcript_stamp``: what identifies the current transcript's
    state (id, version, update time), read in the job's own query, so that a status poll
    whose transcript view is already kept needs no query of its own for it."""
    current = _current_of(OuterRef("pk")).annotate(
        stamp=Concat(
            Cast("id", CharField()),
            Value(":"),
            Cast("version", CharField()),
            Value(":"),
            Cast("updated_at", CharField()),
            output_field=CharField(),
        )
    )
    return jobs.annotate(transcript_stamp=Subquery(current.values("stamp")[:1]))


def transcript_edited_of(subject: TranscriptionJob | TranslationJob) -> Transcript | None:
    """What the editor shows and edits change: a job's current transcript, or a
    translation's own."""
    if isinstance(subject, TranslationJob):
        return Transcript.objects.filter(translation=subject).first()
    return transcript_current(subject)


def transcript_original(job: TranscriptionJob) -> Transcript | None:
    return (
        Transcript.objects.filter(job=job, kind=TranscriptKind.ORIGINAL)
        .order_by("created_at", "id")
        .first()
    )


def transcript_read(
    job: TranscriptionJob, *, text_format: str | None = None, with_words: bool = True
) -> TranscriptView | None:
    """The job's current transcript, or None before it has one.

    ``text_format``: ``full_verbatim`` is every word as stored; ``clean_verbatim`` drops
    fillers (Smart); None follows the job's own type. The stored words are always the
    full ones, so either can be had at any time. ``with_words=False`` leaves every
    segment's words empty, for readers that show none (a status poll): the words are
    most of a transcript's bytes, and text, times and speakers do not depend on them.
    """
    if text_format is None:
        text_format = FULL_VERBATIM if job.job_type == JobType.VERBATIM else CLEAN_VERBATIM
    # Status polls come many times a minute for a transcript that rarely changes, so
    # its view without words is kept, under a key that every change alters: edits bump
    # the version, realignment the update time, a first edit makes a new transcript.
    # A job read with_transcript_stamp brings the key along: a kept view costs no query.
    known: str | None = getattr(job, "transcript_stamp", None)
    if not with_words and known is not None:
        view = _light_view_kept((known, text_format))
        if view is not None:
            return view
    transcript = transcript_current(job)
    if transcript is None:
        return None
    if with_words:
        return _formatted(transcript_view(transcript), text_format)
    stamp: tuple[object, ...] = (
        (known, text_format)
        if known is not None
        else (transcript.pk, transcript.version, transcript.updated_at, text_format)
    )
    view = _light_view_kept(stamp)
    if view is not None:
        return view
    view = _formatted(transcript_view(transcript, with_words=False), text_format)
    with _LIGHT_VIEWS_LOCK:
        _LIGHT_VIEWS[stamp] = view
        while len(_LIGHT_VIEWS) > LIGHT_VIEWS_KEPT:
            _LIGHT_VIEWS.popitem(last=False)
    return view


# Per process (the key makes sharing unnecessary); a 3-hour transcript without words is
# about 1 MB here.
LIGHT_VIEWS_KEPT = 32
_LIGHT_VIEWS: OrderedDict[tuple[object, ...], TranscriptView] = OrderedDict()
_LIGHT_VIEWS_LOCK = threading.Lock()


def _light_view_kept(stamp: tuple[object, ...]) -> TranscriptView | None:
    with _LIGHT_VIEWS_LOCK:
        view = _LIGHT_VIEWS.get(stamp)
        if view is not None:
            _LIGHT_VIEWS.move_to_end(stamp)
        return view


def _formatted(view: TranscriptView, text_format: str) -> TranscriptView:
    if text_format == CLEAN_VERBATIM:
        cleaned = apply_job_type(view.segments, JobType.SMART, language=view.language)
        view = replace(view, segments=tuple(cleaned))
    return view


def transcript_view(transcript: Transcript, *, with_words: bool = True) -> TranscriptView:
    """Everything in one transcript, as stored (two queries); words only if asked."""
    speakers = {
        speaker.pk: SpeakerView(str(speaker.key), speaker.label, speaker.name, speaker.color)
        for speaker in Speaker.objects.filter(transcript=transcript).order_by("position", "pk")
    }
    segments: list[Segment] = []
    speaker_of: dict[str, SpeakerView] = {}
    edited: set[str] = set()
    rows = SegmentRow.objects.filter(transcript=transcript).order_by("position")
    for row in rows if with_words else rows.defer("words"):
        key = str(row.key)
        speaker = speakers.get(row.speaker_id) if row.speaker_id else None
        if speaker is not None:
            speaker_of[key] = speaker
        if row.edited:
            edited.add(key)
        segments.append(segment_from_row(row, key=key, speaker=speaker, with_words=with_words))
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


def segment_from_row(
    row: SegmentRow, *, key: str, speaker: SpeakerView | None, with_words: bool = True
) -> Segment:
    return Segment(
        start=row.start,
        end=row.end,
        text=row.text,
        confidence=row.confidence,
        words=words_from_json(row.words) if with_words else (),
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
