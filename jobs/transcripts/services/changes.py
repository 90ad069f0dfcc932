"""Recording a change as it is made: every segment or speaker written through a
``Changes`` is snapshotted before and after, which is what revisions, undo and restore
are made of."""

from __future__ import annotations

from typing import Any

from jobs.transcripts.models import Segment as SegmentRow
from jobs.transcripts.models import Speaker, Transcript

State = dict[str, Any] | None

SEGMENT_FIELDS = ("position", "start", "end", "language", "text", "words", "confidence", "edited")
SPEAKER_FIELDS = ("label", "name", "color", "position")


def segment_state(row: SegmentRow) -> dict[str, Any]:
    state = {field: getattr(row, field) for field in SEGMENT_FIELDS}
    state["speaker"] = str(row.speaker.key) if row.speaker_id and row.speaker else None
    return state


def speaker_state(speaker: Speaker) -> dict[str, Any]:
    return {field: getattr(speaker, field) for field in SPEAKER_FIELDS}


class Changes:
    """The changes of one edit to ``transcript``, in the order they were made."""

    def __init__(self, transcript: Transcript) -> None:
        self.transcript = transcript
        self.items: list[dict[str, Any]] = []
        self._speakers: dict[str, Speaker] = {}

    def speaker_by_key(self, key: str | None) -> Speaker | None:
        if key is None:
            return None
        if key not in self._speakers:
            found = Speaker.objects.filter(transcript=self.transcript, key=key).first()
            if found is None:
                return None
            self._speakers[key] = found
        return self._speakers[key]

    def segment_update(self, row: SegmentRow, **fields: Any) -> SegmentRow:
        before = segment_state(row)
        for name, value in fields.items():
            setattr(row, name, value)
        after = segment_state(row)
        if after != before:
            row.save()
            self._record("segment", str(row.key), before, after)
        return row

    def segment_create(self, **fields: Any) -> SegmentRow:
        row = SegmentRow.objects.create(transcript=self.transcript, **fields)
        self._record("segment", str(row.key), None, segment_state(row))
        return row

    def segment_delete(self, row: SegmentRow) -> None:
        self._record("segment", str(row.key), segment_state(row), None)
        row.delete()

    def speaker_update(self, speaker: Speaker, **fields: Any) -> Speaker:
        before = speaker_state(speaker)
        for name, value in fields.items():
            setattr(speaker, name, value)
        after = speaker_state(speaker)
        if after != before:
            speaker.save()
            self._record("speaker", str(speaker.key), before, after)
        return speaker

    def speaker_create(self, **fields: Any) -> Speaker:
        speaker = Speaker.objects.create(transcript=self.transcript, **fields)
        self._speakers[str(speaker.key)] = speaker
        self._record("speaker", str(speaker.key), None, speaker_state(speaker))
        return speaker

    def apply(self, kind: str, key: str, state: State) -> None:
        """Make the ``kind`` with ``key`` be ``state`` (None: not exist), recording it."""
        if kind == "speaker":
            self._apply_speaker(key, state)
        else:
            self._apply_segment(key, state)

    def _apply_speaker(self, key: str, state: State) -> None:
        speaker = self.speaker_by_key(key)
        if state is None:
            if speaker is not None:
                self._record("speaker", key, speaker_state(speaker), None)
                speaker.delete()
                self._speakers.pop(key, None)
        elif speaker is None:
            created = Speaker.objects.create(transcript=self.transcript, key=key, **state)
            self._speakers[key] = created
            self._record("speaker", key, None, speaker_state(created))
        else:
            self.speaker_update(speaker, **state)

    def _apply_segment(self, key: str, state: State) -> None:
        row = (
            SegmentRow.objects.filter(transcript=self.transcript, key=key)
            .select_related("speaker")
            .first()
        )
        if state is None:
            if row is not None:
                self.segment_delete(row)
            return
        fields = {name: state[name] for name in SEGMENT_FIELDS}
        fields["speaker"] = self.speaker_by_key(state.get("speaker"))
        if row is None:
            created = SegmentRow.objects.create(transcript=self.transcript, key=key, **fields)
            self._record("segment", key, None, segment_state(created))
        else:
            self.segment_update(row, **fields)

    def _record(self, kind: str, key: str, before: State, after: State) -> None:
        self.items.append({"kind": kind, "key": key, "before": before, "after": after})
