"""The transcript editing API on a real Whisper transcript of jfk.flac: edits keep word
times, stale saves are refused, and every change can be undone or restored."""

from __future__ import annotations

import json
import re

import pytest

from jobs.transcripts.errors import TranscriptForbidden
from jobs.transcripts.models import Revision, Transcript, TranscriptKind
from jobs.transcripts.selectors import FULL_VERBATIM, transcript_read
from jobs.transcripts.services.editing import Editor, segment_edit
from tests.transcripts.helpers import TranscriptClient, completed_job, content


@pytest.fixture
def jfk(alice):
    return completed_job(alice)


@pytest.fixture
def editor(alice, jfk) -> TranscriptClient:
    return TranscriptClient(alice, jfk)


def _segment_with(transcript, word: str):
    for segment in transcript["segments"]:
        if any(w["word"].strip(",.?!").lower() == word for w in segment["words"]):
            return segment
    raise AssertionError(f"no segment says {word!r}")


def _srt_cues(body: str) -> list[tuple[str, str, str]]:
    return re.findall(r"(\d\d:\d\d:\d\d,\d\d\d) --> (\d\d:\d\d:\d\d,\d\d\d)\n(.+?)\n(?:\n|$)",
                      body, flags=re.S)  # fmt: skip


def test_editing_a_word_keeps_every_other_words_time_and_puts_the_new_one_between_neighbours(
    alice, jfk, editor
):
    before = editor.get()
    segment = _segment_with(before, "country")
    srt_before = alice.client().get(f"/api/v1/transcribe/{jfk.id}/?format=srt").content.decode()
    words = segment["words"]
    index = next(i for i, w in enumerate(words) if w["word"].strip(",.").lower() == "country")
    new_text = " ".join(w["word"] if i != index else "nation" for i, w in enumerate(words))

    answer = editor.edit_text(segment["id"], new_text, before["version"])

    assert answer["version"] == before["version"] + 1
    after_words = answer["segment"]["words"]
    assert [w["word"] for w in after_words] == new_text.split()
    for i, (old, new) in enumerate(zip(words, after_words, strict=True)):
        if i == index:
            continue
        assert abs(old["start"] - new["start"]) <= 0.010
        assert abs(old["end"] - new["end"]) <= 0.010
    placed = after_words[index]
    assert words[index - 1]["end"] <= placed["start"] <= placed["end"]
    assert placed["end"] <= words[index + 1]["start"]
    # The JSON export carries the same times, and the SRT cue times did not move.
    exported = json.loads(alice.client().get(f"/api/v1/transcribe/{jfk.id}/?format=json").content)
    exported_words = [w for s in exported["segments"] for w in s["words"]]
    assert any(w["text"] == "nation" for w in exported_words)
    old_times = {(w["word"], round(w["start"], 2)) for s in before["segments"] for w in s["words"]}
    kept = [w for w in exported_words if w["text"] != "nation"]
    assert all((w["text"], round(w["start"], 2)) in old_times for w in kept)
    srt_after = alice.client().get(f"/api/v1/transcribe/{jfk.id}/?format=srt").content.decode()
    assert "nation" in srt_after
    assert srt_after.lower().count("country") == srt_before.lower().count("country") - 1
    assert [c[:2] for c in _srt_cues(srt_after)] == [c[:2] for c in _srt_cues(srt_before)]


def test_a_stale_version_is_a_409_that_changes_nothing(editor):
    before = editor.get()
    first, second = before["segments"][0], before["segments"][-1]
    editor.edit_text(first["id"], "Fresh words.", before["version"])
    after_first = editor.get()

    stale = editor.call("patch", f"segments/{second['id']}/", version=before["version"],
                        text="A stale save.")  # fmt: skip

    assert stale.status_code == 409
    assert stale.json()["error"] == "conflict"
    assert "reload" in stale.json()["message"].lower()
    assert editor.get() == after_first
    attempts: list[tuple[str, dict[str, object]]] = [
        (f"segments/{first['id']}/split/", {"word_index": 1}),
        (f"segments/{first['id']}/merge/", {}),
        ("replace/", {"find": "the", "replace": "a"}),
        ("undo/", {}),
    ]
    for path, body in attempts:
        response = editor.call("post", path, version=before["version"], **body)
        assert response.status_code == 409, path
    assert editor.get() == after_first


def test_renaming_a_speaker_shows_the_name_in_segments_exports_and_the_webhook(alice, jfk, editor):
    from jobs.services.events import job_payload

    transcript = editor.get()
    speaker = transcript["speakers"][0]
    answer = editor.ok("patch", f"speakers/{speaker['id']}/", name="President <Kennedy>")
    assert answer["speaker"] == {**speaker, "name": "President <Kennedy>"}

    detail = alice.client().get(f"/api/v1/transcribe/{jfk.id}/?segments=true").json()
    spoken = [s for s in detail["segments"] if s["speaker_id"] == speaker["id"]]
    assert spoken
    assert all(s["speaker"] == "President <Kennedy>" for s in spoken)
    assert {
        "id": speaker["id"],
        "name": "President <Kennedy>",
        "label": speaker["label"],
    }.items() <= {
        k: v for s in detail["speakers"] if s["id"] == speaker["id"] for k, v in s.items()
    }.items()
    srt = alice.client().get(f"/api/v1/transcribe/{jfk.id}/?format=srt").content.decode()
    assert "President" in srt
    jfk.refresh_from_db()
    payload = job_payload(jfk, event_type="job.completed", occurred_at=jfk.finished_at)
    assert {s["speaker"] for s in payload["segments"]} >= {"President <Kennedy>"}


def test_split_merge_replace_rename_undone_leave_the_transcript_as_it_started(editor):
    start = editor.get()
    first = start["segments"][0]
    version = start["version"]
    version = editor.ok("post", f"segments/{first['id']}/split/", version=version,
                        word_index=2)["version"]  # fmt: skip
    split = editor.get()
    assert len(split["segments"]) == len(start["segments"]) + 1
    assert split["segments"][0]["id"] == first["id"]
    assert split["segments"][0]["words"] == first["words"][:2]
    assert split["segments"][1]["words"] == first["words"][2:]
    version = editor.ok("post", f"segments/{first['id']}/merge/", version=version)["version"]
    merged = editor.get()
    assert merged["segments"][0]["text"] == first["text"]
    assert merged["segments"][0]["words"] == first["words"]
    replaced = editor.ok("post", "replace/", version=version, find="you", replace="ye",
                         whole_word=True)  # fmt: skip
    assert replaced["replacements"] >= 2
    version = replaced["version"]
    speaker = start["speakers"][0]
    version = editor.ok("patch", f"speakers/{speaker['id']}/", name="JFK",
                        version=version)["version"]  # fmt: skip
    version = editor.ok("post", "speakers/", name="Moderator", version=version)["version"]

    for _ in range(5):
        version = editor.ok("post", "undo/", version=version)["version"]

    undone = editor.get()
    assert content(undone) == content(start)
    assert undone["can_undo"] is False
    assert undone["can_redo"] is True
    nothing = editor.call("post", "undo/", version=version)
    assert nothing.status_code == 400
    assert nothing.json()["message"] == "There is nothing to undo."


def test_redo_puts_back_what_undo_took_and_a_new_edit_ends_redo(editor):
    start = editor.get()
    segment = start["segments"][0]
    edited = editor.edit_text(segment["id"], "Changed once.", start["version"])
    undone = editor.ok("post", "undo/", version=edited["version"])
    assert content(undone) == content(start)
    redone = editor.ok("post", "redo/", version=undone["version"])
    assert redone["segments"][0]["text"] == "Changed once."
    again = editor.ok("post", "undo/", version=redone["version"])
    editor.edit_text(segment["id"], "Changed twice.", again["version"])
    latest = editor.get()
    assert latest["can_redo"] is False
    assert editor.call("post", "redo/", version=latest["version"]).status_code == 400


def test_restoring_a_version_makes_the_transcript_what_it_was_and_keeps_the_history(editor):
    start = editor.get()
    segments = start["segments"]
    v2 = editor.edit_text(segments[0]["id"], "First change.", start["version"])["version"]
    at_v2 = editor.get()
    v3 = editor.ok("post", f"segments/{segments[0]['id']}/split/", version=v2,
                   word_index=1)["version"]  # fmt: skip
    editor.ok("patch", f"speakers/{start['speakers'][0]['id']}/", name="Renamed", version=v3)

    restored = editor.ok("post", f"revisions/{v2}/restore/", version=v3 + 1)
    assert content(restored) == content(at_v2)
    original = editor.ok("post", "revisions/1/restore/", version=restored["version"])
    assert content(original) == content(start)

    history = editor.ok("get", "revisions/")
    actions = [r["action"] for r in history["revisions"]]
    assert actions == ["restore", "restore", "rename", "split", "edit", "transcribed"]
    assert history["revisions"][0]["author"] == "alice@example.org"
    assert history["revisions"][-2]["changes"][0]["before"]["text"] == segments[0]["text"]
    missing = editor.call("post", "revisions/99/restore/", version=original["version"])
    assert missing.status_code == 400


def test_the_engines_original_is_never_modified(jfk, editor):
    start = editor.get()
    editor.edit_text(start["segments"][0]["id"], "Not what was said.", start["version"])
    original = Transcript.objects.get(job=jfk, kind=TranscriptKind.ORIGINAL)
    assert original.version == 1
    assert not original.is_current
    first = original.segments.order_by("position").first()
    assert first is not None
    assert first.text == start["segments"][0]["text"]
    assert not Revision.objects.filter(transcript=original).exists()
    # Segment and speaker ids carried over to the edited copy.
    edited = editor.get()
    assert [s["id"] for s in edited["segments"]] == [s["id"] for s in start["segments"]]
    assert edited["edited"] is True


@pytest.mark.parametrize(
    ("path_template", "body", "message"),
    [
        ("segments/{id}/", {"text": "   "}, "cannot be empty"),
        ("segments/{id}/", {"start": 5.0, "end": 1.0}, "must end after it starts"),
        ("segments/{id}/", {"end": 9999}, "recording's length"),
        ("segments/{id}/split/", {"word_index": 0}, "word_index must be between 1"),
        ("segments/{id}/split/", {"word_index": "x"}, "word_index"),
        ("speakers/", {"name": ""}, "name"),
        ("replace/", {"find": "", "replace": "x"}, "find"),
    ],
)
def test_bad_edits_are_a_400_with_a_sentence_and_change_nothing(
    editor, path_template, body, message
):
    before = editor.get()
    path = path_template.format(id=before["segments"][0]["id"])
    method = "patch" if path.endswith(f"{before['segments'][0]['id']}/") else "post"
    response = editor.call(method, path, version=before["version"], **body)
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_request"
    assert message in response.json()["message"]
    assert editor.get() == before


def test_a_version_that_is_not_a_number_is_a_400(editor):
    before = editor.get()
    response = editor.call("patch", f"segments/{before['segments'][0]['id']}/", version="abc",
                           text="x")  # fmt: skip
    assert response.status_code == 400
    assert "version" in response.json()["message"]


def test_merging_the_last_segment_says_there_is_nothing_after_it(editor):
    before = editor.get()
    response = editor.call("post", f"segments/{before['segments'][-1]['id']}/merge/",
                           version=before["version"])  # fmt: skip
    assert response.status_code == 400
    assert "last segment" in response.json()["message"]


def test_replace_preview_counts_without_changing_and_respects_case_and_whole_words(editor):
    before = editor.get()
    text = " ".join(s["text"] for s in before["segments"])
    loose = editor.ok("post", "replace/", version=before["version"], find="AN", replace="x",
                      preview=True)  # fmt: skip
    assert loose["replacements"] == len(re.findall("an", text, flags=re.I))
    whole = editor.ok("post", "replace/", version=before["version"], find="AN", replace="x",
                      preview=True, whole_word=True)  # fmt: skip
    assert whole["replacements"] == len(re.findall(r"(?<!\w)an(?!\w)", text, flags=re.I))
    cased = editor.ok("post", "replace/", version=before["version"], find="AN", replace="x",
                      preview=True, case_sensitive=True)  # fmt: skip
    assert cased["replacements"] == text.count("AN")
    assert editor.get() == before


def test_a_segments_speaker_can_be_changed_to_another_or_a_new_speaker(editor):
    before = editor.get()
    segment = before["segments"][0]
    added = editor.ok("post", "speakers/", name="Guest", version=before["version"])
    moved = editor.ok("patch", f"segments/{segment['id']}/", version=added["version"],
                      speaker=added["speaker"]["id"])  # fmt: skip
    assert moved["segment"]["speaker"] == added["speaker"]["id"]
    assert moved["segment"]["words"] == segment["words"]


def test_a_person_outside_the_organization_cannot_edit_even_through_the_service(jfk, bob):
    view = transcript_read(jfk, text_format=FULL_VERBATIM)
    assert view is not None
    with pytest.raises(TranscriptForbidden):
        segment_edit(jfk, Editor(user=bob.user), segment_id=view.segments[0].key, version=1,
                     text="Hacked.")  # fmt: skip
    with pytest.raises(TranscriptForbidden):
        segment_edit(jfk, Editor(api_key=bob.api_key), segment_id=view.segments[0].key,
                     version=1, text="Hacked.")  # fmt: skip
    assert not Transcript.objects.filter(job=jfk, kind=TranscriptKind.EDITED).exists()


def test_a_job_without_a_transcript_yet_cannot_be_edited(alice):
    from tests.test_api_transcribe import upload

    job_id = upload(alice).json()["id"]
    response = alice.client().get(f"/api/v1/transcribe/{job_id}/transcript/")
    assert response.status_code == 409
    assert "once it completes" in response.json()["message"]


def test_edit_answers_say_whether_undo_and_redo_have_something_to_do(editor):
    before = editor.get()
    assert (before["can_undo"], before["can_redo"]) == (False, False)
    saved = editor.edit_text(before["segments"][0]["id"], "Changed.", before["version"])
    assert (saved["can_undo"], saved["can_redo"]) == (True, False)
    undone = editor.ok("post", "undo/", version=saved["version"])
    renamed = editor.ok("patch", f"speakers/{before['speakers'][0]['id']}/", name="X",
                        version=undone["version"])  # fmt: skip
    assert (renamed["can_undo"], renamed["can_redo"]) == (True, False)


def test_a_replace_preview_needs_no_version_but_a_replace_does(editor):
    preview = editor.ok("post", "replace/", find="the", replace="a", preview=True)
    assert preview["preview"] is True
    response = editor.call("post", "replace/", find="the", replace="a")
    assert response.status_code == 400
    assert "version" in response.json()["message"]
