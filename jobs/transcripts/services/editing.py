"""Every change a person makes to a transcript.

Each function takes what is edited (a job, or a translation; already scoped to the
caller's organization by ``jobs.selectors.job_get`` or ``translation_get``), who is
editing, and the version the change was made on. It checks the editor may edit,
serialises edits of one job (or translation) on its row, refuses a stale version with a
409 before touching anything, makes the change, bumps the version and writes a revision
with every segment and speaker before and after.

The first edit of a job copies the engine's original into an ``edited`` transcript (same
keys), so the original is never modified and full verbatim stays available. A
translation's transcript is edited in place: its version 1 is the translator's output,
which the revision log restores, and its segments stay one-to-one with the source's, so
text can change but segments are neither split, merged nor retimed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import transaction

from accounts.models import ApiKey, User
from accounts.permissions import Actor, Capability, PermissionDenied, require
from jobs.errors import InvalidJobRequest, JobConflict
from jobs.models import JobStatus, TranscriptionJob
from jobs.transcripts.errors import TranscriptConflict, TranscriptForbidden
from jobs.transcripts.models import (
    POSITION_GAP,
    Revision,
    Speaker,
    Transcript,
    TranscriptKind,
)
from jobs.transcripts.models import Segment as SegmentRow
from jobs.transcripts.selectors import segment_get, speaker_get
from jobs.transcripts.services.changes import Changes
from jobs.transcripts.services.storing import speaker_color
from jobs.transcripts.services.timing import (
    joined_confidence,
    retimed_words,
    segment_tokens,
    split_words,
)
from jobs.transcripts.signals import transcript_edited
from jobs.translation.models import TranslationJob

MAX_SEGMENT_CHARACTERS = 5000
MAX_SPEAKER_NAME = 100
ALIGNED = (
    "A translation's segments stay one-to-one with the original's, so they keep its times "
    "and cannot be split or merged: change the original and translate it again."
)

# What a transcript edit can be made to: a transcription job's transcript or a
# translation's.
Editable = TranscriptionJob | TranslationJob


def source_job(subject: Editable) -> TranscriptionJob:
    """The transcription whose audio the subject's times are in."""
    return subject.source_job if isinstance(subject, TranslationJob) else subject


@dataclass(frozen=True)
class Editor:
    """Who is making a change: a signed-in person, or an organization's API key.

    ``reviewing``: a staff reviewer working on a review task they hold the claim of, who is
    not a member of the customer's organization. Only ``review.services.review_editor``
    makes one, after checking the claim."""

    user: User | None = None
    api_key: ApiKey | None = None
    reviewing: bool = False


@dataclass(frozen=True)
class Edit:
    """What an edit left: the transcript's new version (unchanged when the edit changed
    nothing) and the segment it was about, if any."""

    transcript: Transcript
    version: int
    segment: SegmentRow | None = None
    count: int = 0


def require_editor(subject: Editable, editor: Editor) -> None:
    """Every member of the organization may edit its transcripts and translations, as
    may its API keys; anyone else may not, whatever page or route they came through.
    Staff are not let in here by being staff: an edit is signed by a member
    (accounts.permissions) — or by a reviewer holding the claim of a review of it."""
    if editor.reviewing and editor.user is not None and editor.user.is_staff:
        return
    try:
        require(
            Actor(user=editor.user, api_key=editor.api_key),
            subject.organization,
            Capability.TRANSCRIPTS_EDIT,
        )
    except PermissionDenied:
        raise TranscriptForbidden(
            "Only members of this organization can edit its transcripts."
        ) from None


# --- Segments ------------------------------------------------------------------------


def segment_edit(
    subject: Editable,
    editor: Editor,
    *,
    segment_id: object,
    version: int,
    text: str | None = None,
    speaker_id: str | None = None,
    start: float | None = None,
    end: float | None = None,
) -> Edit:
    """Change a segment's text, speaker or times. Words whose text did not change keep
    their times; new words are placed between their neighbours and re-aligned against
    the audio in the background. A translation's segments change text and speaker only."""
    job = source_job(subject)
    if isinstance(subject, TranslationJob) and (start is not None or end is not None):
        raise InvalidJobRequest(ALIGNED)
    with editing(subject, editor, version, action="edit") as changes:
        row = segment_get(changes.transcript, segment_id)
        fields: dict[str, object] = {}
        new_start = row.start if start is None else _seconds(start, "start", job)
        new_end = row.end if end is None else _seconds(end, "end", job)
        if new_end <= new_start:
            raise InvalidJobRequest(
                f"A segment must end after it starts (start {new_start:.3f} s, "
                f"end {new_end:.3f} s)."
            )
        if (new_start, new_end) != (row.start, row.end):
            fields.update(start=new_start, end=new_end)
        words = list(row.words)
        if text is not None:
            text = _segment_text(text, translated=isinstance(subject, TranslationJob))
            if text != row.text:
                fields["text"] = text
                words = retimed_words(row.words, text, new_start, new_end)
        if fields.get("start") is not None or "text" in fields:
            words = _within(words, new_start, new_end)
            fields["words"] = words
            fields["confidence"] = joined_confidence(words, row.confidence)
        if speaker_id is not None:
            speaker = speaker_get(changes.transcript, speaker_id) if speaker_id else None
            fields["speaker"] = speaker
        if fields:
            fields["edited"] = True
            changes.segment_update(row, **fields)
            changes.summary = _describe_segment_edit(fields)
        if "text" in fields:
            changes.realign.append(row.pk)
    return changes.result(segment=row)


def segment_split(
    subject: Editable, editor: Editor, *, segment_id: object, version: int, word_index: int
) -> Edit:
    """Split a segment before its ``word_index``-th word (counting from 0); the second
    part becomes a new segment just after it, with the same speaker."""
    if isinstance(subject, TranslationJob):
        raise InvalidJobRequest(ALIGNED)
    with editing(subject, editor, version, action="split") as changes:
        row = segment_get(changes.transcript, segment_id)
        tokens = segment_tokens(row.text)
        if not 1 <= word_index < len(tokens):
            raise InvalidJobRequest(
                f"word_index must be between 1 and {len(tokens) - 1} for this segment of "
                f"{len(tokens)} words: a split leaves at least one word on each side."
            )
        first, second, at = split_words(row.words, tokens, word_index, row.start, row.end)
        following = _next(changes.transcript, row)
        position = _position_between(changes, row, following)
        segment_end = row.end
        changes.segment_update(
            row,
            text=" ".join(tokens[:word_index]),
            words=first,
            end=at,
            confidence=joined_confidence(first, row.confidence),
            edited=True,
        )
        created = changes.segment_create(
            position=position,
            start=at,
            end=max(segment_end, at),
            speaker=row.speaker,
            language=row.language,
            text=" ".join(tokens[word_index:]),
            words=second,
            confidence=joined_confidence(second, row.confidence),
            edited=True,
        )
        changes.summary = f"Split a segment at {at:.2f} s"
        changes.new_segment = created
    return changes.result(segment=row)


def segment_merge(subject: Editable, editor: Editor, *, segment_id: object, version: int) -> Edit:
    """Merge a segment with the one after it; the merged segment keeps the first's
    speaker and every word's time."""
    if isinstance(subject, TranslationJob):
        raise InvalidJobRequest(ALIGNED)
    with editing(subject, editor, version, action="merge") as changes:
        row = segment_get(changes.transcript, segment_id)
        following = _next(changes.transcript, row)
        if following is None:
            raise InvalidJobRequest(
                "This is the last segment: there is no next segment to merge it with."
            )
        words = [*row.words, *following.words]
        changes.segment_update(
            row,
            text=f"{row.text} {following.text}".strip(),
            words=words,
            end=max(row.end, following.end),
            confidence=joined_confidence(words, row.confidence),
            edited=True,
        )
        changes.segment_delete(following)
        changes.summary = f"Merged two segments at {row.start:.2f} s"
    return changes.result(segment=row)


# --- Speakers ------------------------------------------------------------------------


def speaker_rename(
    subject: Editable,
    editor: Editor,
    *,
    speaker_id: object,
    name: str,
    version: int | None = None,
) -> Edit:
    """Rename a speaker everywhere they speak (one row: segments point at it)."""
    with editing(subject, editor, version, action="rename") as changes:
        speaker = speaker_get(changes.transcript, speaker_id)
        name = _speaker_name(name)
        before = speaker.name
        changes.speaker_update(speaker, name=name)
        changes.summary = f"Renamed {before} to {name}"
    return changes.result()


def speaker_add(
    subject: Editable, editor: Editor, *, name: str, version: int | None = None
) -> tuple[Edit, Speaker]:
    with editing(subject, editor, version, action="add_speaker") as changes:
        name = _speaker_name(name)
        position = Speaker.objects.filter(transcript=changes.transcript).count()
        speaker = changes.speaker_create(
            label="", name=name, color=speaker_color(position), position=position
        )
        changes.summary = f"Added speaker {name}"
    return changes.result(), speaker


# --- Find and replace ----------------------------------------------------------------


def replace_pattern(find: str, *, whole_word: bool, case_sensitive: bool) -> re.Pattern[str]:
    if not find.strip():
        raise InvalidJobRequest("Give the text to find.")
    if len(find) > 200:
        raise InvalidJobRequest("The text to find may be at most 200 characters long.")
    escaped = re.escape(find)
    # Word boundaries by Unicode word characters, so "café" and "naïve" work as words.
    pattern = rf"(?<!\w){escaped}(?!\w)" if whole_word else escaped
    return re.compile(pattern, 0 if case_sensitive else re.IGNORECASE)


def replace_count(
    transcript: Transcript, find: str, *, whole_word: bool, case_sensitive: bool
) -> int:
    """How many places a replace would change: the preview before doing it."""
    pattern = replace_pattern(find, whole_word=whole_word, case_sensitive=case_sensitive)
    texts = SegmentRow.objects.filter(transcript=transcript).values_list("text", flat=True)
    return sum(len(pattern.findall(text)) for text in texts)


def transcript_replace(
    subject: Editable,
    editor: Editor,
    *,
    version: int,
    find: str,
    replace: str,
    whole_word: bool = False,
    case_sensitive: bool = False,
) -> Edit:
    """Replace every occurrence of ``find`` in the transcript, as one revision."""
    pattern = replace_pattern(find, whole_word=whole_word, case_sensitive=case_sensitive)
    if len(replace) > 200:
        raise InvalidJobRequest("The replacement may be at most 200 characters long.")
    with editing(subject, editor, version, action="replace") as changes:
        total = 0
        for row in SegmentRow.objects.filter(transcript=changes.transcript).order_by("position"):
            new_text, count = pattern.subn(lambda _: replace, row.text)
            new_text = " ".join(new_text.split())
            if not count or new_text == row.text:
                continue
            total += count
            words = _within(retimed_words(row.words, new_text, row.start, row.end),
                            row.start, row.end)  # fmt: skip
            changes.segment_update(
                row,
                text=new_text,
                words=words,
                confidence=joined_confidence(words, row.confidence),
                edited=True,
            )
            changes.realign.append(row.pk)
        changes.count = total
        changes.summary = f"Replaced {total} × “{find}” with “{replace}”"  # noqa: RUF001
    return changes.result()


# --- The frame every edit runs in -----------------------------------------------------


class EditInProgress(Changes):
    def __init__(self, transcript: Transcript) -> None:
        super().__init__(transcript)
        self.summary = ""
        self.count = 0
        self.realign: list[int] = []
        self.new_segment: SegmentRow | None = None
        # Undo and redo: the version whose changes this one reverts or re-applies.
        self.reverts_version: int | None = None

    def result(self, *, segment: SegmentRow | None = None) -> Edit:
        return Edit(self.transcript, self.transcript.version, segment, self.count)


@contextmanager
def editing(
    subject: Editable,
    editor: Editor,
    version: int | None,
    *,
    action: str,
) -> Iterator[EditInProgress]:
    """The edited transcript, locked, for one change made on ``version`` (None: whatever
    is current, for changes that cannot conflict, like renaming a speaker)."""
    require_editor(subject, editor)
    with transaction.atomic():
        # Every edit of a job (or translation) queues on its row, so two saves made on
        # the same version cannot both pass the check below.
        type(subject).objects.select_for_update().filter(pk=subject.pk).first()
        transcript = (
            translation_transcript(subject)
            if isinstance(subject, TranslationJob)
            else editable_transcript(subject)
        )
        if version is not None and version != transcript.version:
            raise TranscriptConflict(yours=version, current=transcript.version)
        changes = EditInProgress(transcript)
        yield changes
        if not changes.items:
            return
        transcript.version += 1
        transcript.save(update_fields=["version", "updated_at"])
        Revision.objects.create(
            transcript=transcript,
            version=transcript.version,
            action=action,
            summary=changes.summary[:300],
            author=editor.user,
            api_key=editor.api_key,
            changes=changes.items,
            reverts=changes.reverts_version,
        )
        # A translation's words were never spoken as such: there is nothing in the
        # audio to align them against.
        if changes.realign and not isinstance(subject, TranslationJob):
            _queue_realignment(changes.realign)
        edited = {
            "job_id": transcript.job_id,
            "translation_id": subject.pk if isinstance(subject, TranslationJob) else None,
            "version": transcript.version,
        }
        transaction.on_commit(lambda: transcript_edited.send(sender=Transcript, **edited))


def editable_transcript(job: TranscriptionJob) -> Transcript:
    """The job's edited transcript, made from the original on the first edit. Call with
    the job's row locked."""
    if job.status != JobStatus.COMPLETED:
        raise JobConflict(
            f"This job is {job.status}; its transcript can be edited once it completes."
        )
    edited = Transcript.objects.filter(job=job, kind=TranscriptKind.EDITED).first()
    if edited is not None:
        return edited
    original = Transcript.objects.filter(job=job, kind=TranscriptKind.ORIGINAL).first()
    if original is None:
        raise JobConflict("This job has no transcript to edit.")
    return _copy_for_editing(original)


def translation_transcript(translation: TranslationJob) -> Transcript:
    """A translation's transcript, edited in place. Call with the translation's row
    locked."""
    status = TranslationJob.objects.filter(pk=translation.pk).values_list("status", flat=True)
    current = status.first() or translation.status
    if current != JobStatus.COMPLETED:
        raise JobConflict(f"This translation is {current}; it can be edited once it completes.")
    transcript = Transcript.objects.filter(translation=translation).first()
    if transcript is None:
        raise JobConflict("This translation has no text to edit.")
    return transcript


def _copy_for_editing(original: Transcript) -> Transcript:
    edited = Transcript.objects.create(
        job=original.job,
        kind=TranscriptKind.EDITED,
        source=original,
        language=original.language,
        version=original.version,
        summary=original.summary,
        topics=original.topics,
    )
    speakers = {}
    for speaker in Speaker.objects.filter(transcript=original):
        speakers[speaker.pk] = Speaker.objects.create(
            transcript=edited,
            key=speaker.key,
            label=speaker.label,
            name=speaker.name,
            color=speaker.color,
            position=speaker.position,
        )
    SegmentRow.objects.bulk_create(
        SegmentRow(
            transcript=edited,
            key=row.key,
            position=row.position,
            start=row.start,
            end=row.end,
            speaker=speakers.get(row.speaker_id) if row.speaker_id else None,
            language=row.language,
            text=row.text,
            words=row.words,
            confidence=row.confidence,
            edited=False,
        )
        for row in SegmentRow.objects.filter(transcript=original)
    )
    Transcript.objects.filter(pk=original.pk).update(is_current=False)
    return edited


def _queue_realignment(segment_ids: list[int]) -> None:
    from jobs.transcripts.tasks import queue_realignment

    ids = list(dict.fromkeys(segment_ids))
    transaction.on_commit(lambda: queue_realignment(ids))


# --- Helpers -------------------------------------------------------------------------


def _next(transcript: Transcript, row: SegmentRow) -> SegmentRow | None:
    return (
        SegmentRow.objects.filter(transcript=transcript, position__gt=row.position)
        .order_by("position")
        .first()
    )


def _position_between(changes: Changes, row: SegmentRow, following: SegmentRow | None) -> int:
    """A position after ``row`` and before ``following``; respaces the transcript's
    positions (recorded, so undo puts them back) in the rare case no room is left."""
    if following is None:
        return row.position + POSITION_GAP
    if following.position - row.position >= 2:
        return (row.position + following.position) // 2
    rows = list(SegmentRow.objects.filter(transcript=changes.transcript).order_by("-position"))
    # From the end backwards, so no two rows ever share a position on the way.
    count = len(rows)
    for offset, each in enumerate(rows):
        target = (count - offset) * POSITION_GAP * 2
        if each.position != target:
            changes.segment_update(each, position=target)
        if each.pk == row.pk:
            row.position = target
    return row.position + POSITION_GAP


def _within(words: list[dict[str, object]], start: float, end: float) -> list[dict[str, object]]:
    """Words clamped into the segment's span, so no word lies outside its segment."""
    clamped = []
    for word in words:
        word_start = min(max(float(word["start"]), start), end)  # type: ignore[arg-type]
        word_end = min(max(float(word["end"]), word_start), end)  # type: ignore[arg-type]
        clamped.append({**word, "start": round(word_start, 3), "end": round(word_end, 3)})
    return clamped


def _seconds(value: float, name: str, job: TranscriptionJob) -> float:
    limit = job.duration_seconds + 1.0 if job.duration_seconds else None
    if value < 0 or (limit is not None and value > limit):
        raise InvalidJobRequest(
            f"{name} must be between 0 and {job.duration_seconds:.3f} seconds (the "
            f"recording's length); got {value}."
        )
    return round(value, 3)


def _segment_text(text: str, *, translated: bool = False) -> str:
    text = " ".join(text.split())
    if not text and translated:
        raise InvalidJobRequest("A translated line cannot be empty: it translates what was said.")
    if not text:
        raise InvalidJobRequest(
            "A segment's text cannot be empty: merge it into a neighbour instead."
        )
    if len(text) > MAX_SEGMENT_CHARACTERS:
        raise InvalidJobRequest(
            f"A segment's text may be at most {MAX_SEGMENT_CHARACTERS} characters long."
        )
    return text


def _speaker_name(name: str) -> str:
    name = " ".join((name or "").split())
    if not name:
        raise InvalidJobRequest("A speaker's name cannot be empty.")
    if len(name) > MAX_SPEAKER_NAME:
        raise InvalidJobRequest(f"A speaker's name may be at most {MAX_SPEAKER_NAME} characters.")
    return name


def _describe_segment_edit(fields: dict[str, object]) -> str:
    parts = []
    if "text" in fields:
        parts.append("text")
    if "speaker" in fields:
        parts.append("speaker")
    if "start" in fields:
        parts.append("times")
    return "Changed a segment's " + ", ".join(parts) if parts else "Changed a segment"
