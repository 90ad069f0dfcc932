"""Undo, redo and restoring an earlier version. None of them rewrites history: each
applies the stored before/after states of earlier revisions as a new revision, so what
was undone can be seen, and itself undone."""

from __future__ import annotations

from typing import Any

from jobs.errors import InvalidJobRequest
from jobs.transcripts.models import Revision, Speaker, Transcript
from jobs.transcripts.models import Segment as SegmentRow
from jobs.transcripts.services.changes import segment_state, speaker_state
from jobs.transcripts.services.editing import Edit, Editable, Editor, editing

UNDO = "undo"
REDO = "redo"


def stacks(transcript: Transcript) -> tuple[list[Revision], list[Revision]]:
    """(what undo would revert next, last on top; what redo would re-apply next).

    Worked out from the revision log: an undo moves the top edit to the redo stack, a
    redo moves it back, any other change clears the redo stack, as in every editor.
    """
    undo: list[Revision] = []
    redo: list[Revision] = []
    # Only what the stacks need: a long history's before/after states stay unread.
    log = Revision.objects.filter(transcript=transcript).only("version", "action", "summary")
    for revision in log.order_by("version"):
        if revision.action == UNDO:
            if undo:
                redo.append(undo.pop())
        elif revision.action == REDO:
            if redo:
                undo.append(redo.pop())
        else:
            undo.append(revision)
            redo.clear()
    return undo, redo


def transcript_undo(subject: Editable, editor: Editor, *, version: int) -> Edit:
    with editing(subject, editor, version, action=UNDO) as changes:
        undo, _ = stacks(changes.transcript)
        if not undo:
            raise InvalidJobRequest("There is nothing to undo.")
        target = Revision.objects.get(pk=undo[-1].pk)
        for change in reversed(target.changes):
            changes.apply(change["kind"], change["key"], change["before"])
        changes.summary = f"Undid: {target.summary or target.action}"
        changes.reverts_version = target.version
        changes.realign.extend(_segment_ids(changes))
    return changes.result()


def transcript_redo(subject: Editable, editor: Editor, *, version: int) -> Edit:
    with editing(subject, editor, version, action=REDO) as changes:
        _, redo = stacks(changes.transcript)
        if not redo:
            raise InvalidJobRequest("There is nothing to redo.")
        target = Revision.objects.get(pk=redo[-1].pk)
        for change in target.changes:
            changes.apply(change["kind"], change["key"], change["after"])
        changes.summary = f"Redid: {target.summary or target.action}"
        changes.reverts_version = target.version
    return changes.result()


def transcript_restore(
    subject: Editable, editor: Editor, *, to_version: int, version: int | None = None
) -> Edit:
    """Make the transcript what it was at ``to_version`` (1: the engine's original, or
    the translator's output), as one new revision."""
    with editing(subject, editor, version, action="restore") as changes:
        transcript = changes.transcript
        if not 1 <= to_version <= transcript.version:
            raise InvalidJobRequest(
                f"There is no version {to_version}: this transcript has versions 1 to "
                f"{transcript.version}."
            )
        target = state_at(transcript, to_version)
        current = current_state(transcript)
        # Speakers first, so segments can point at restored speakers; speakers are
        # deleted last, once no segment points at them.
        for kind in ("speaker", "segment"):
            for key, state in target[kind].items():
                if current[kind].get(key) != state:
                    changes.apply(kind, key, state)
        for key in current["segment"].keys() - target["segment"].keys():
            changes.apply("segment", key, None)
        for key in current["speaker"].keys() - target["speaker"].keys():
            changes.apply("speaker", key, None)
        changes.summary = f"Restored version {to_version}"
    return changes.result()


State = dict[str, dict[str, dict[str, Any]]]


def current_state(transcript: Transcript) -> State:
    return {
        "speaker": {
            str(s.key): speaker_state(s) for s in Speaker.objects.filter(transcript=transcript)
        },
        "segment": {
            str(row.key): segment_state(row)
            for row in SegmentRow.objects.filter(transcript=transcript).select_related("speaker")
        },
    }


def state_at(transcript: Transcript, version: int) -> State:
    """The transcript as it was at ``version``: today's state with every later change
    reverted, newest first."""
    state = current_state(transcript)
    later = Revision.objects.filter(transcript=transcript, version__gt=version)
    for revision in later.order_by("-version"):
        for change in reversed(revision.changes):
            bucket = state[change["kind"]]
            if change["before"] is None:
                bucket.pop(change["key"], None)
            else:
                bucket[change["key"]] = change["before"]
    return state


def _segment_ids(changes: Any) -> list[int]:
    keys = [c["key"] for c in changes.items if c["kind"] == "segment" and c["after"]]
    return list(
        SegmentRow.objects.filter(transcript=changes.transcript, key__in=keys).values_list(
            "pk", flat=True
        )
    )
