"""Typed-in words are placed against the audio after the edit, in the background, and
captions made afterwards follow the audio."""

from __future__ import annotations

import pytest
from django_q.models import OrmQ

from jobs.transcripts.models import Segment as SegmentRow
from jobs.transcripts.tasks import realign_segments
from tests.transcripts.helpers import TranscriptClient, completed_job


@pytest.fixture
def jfk(alice):
    return completed_job(alice)


def _word_index(words, word: str) -> int:
    return next(i for i, w in enumerate(words) if w["word"].strip(",.").lower() == word)


def test_a_typed_in_word_is_aligned_where_it_is_spoken_and_the_rest_keep_their_times(
    alice, jfk, django_capture_on_commit_callbacks
):
    editor = TranscriptClient(alice, jfk)
    before = editor.get()
    segment = next(s for s in before["segments"] if "country" in s["text"].lower())
    words = segment["words"]
    index = _word_index(words, "country")
    spoken = words[index]
    # The engine missed a word and a person types it in: the word is gone first, then
    # typed back, so its spoken time is known and the aligner must find it again.
    without = " ".join(w["word"] for i, w in enumerate(words) if i != index)
    dropped = editor.edit_text(segment["id"], without, before["version"])
    queued = OrmQ.objects.count()

    with django_capture_on_commit_callbacks(execute=True):
        saved = editor.edit_text(segment["id"], segment["text"], dropped["version"])

    assert saved["segment"]["words"][index]["aligned"] is False
    assert OrmQ.objects.count() == queued + 1  # the realignment task, queued on commit
    realign_segments([SegmentRow.objects.get(key=segment["id"], transcript__is_current=True).pk])

    after = editor.get()
    assert after["version"] == saved["version"]  # word times are not an edit
    realigned = next(s for s in after["segments"] if s["id"] == segment["id"])["words"]
    placed = realigned[index]
    assert placed["word"] == spoken["word"]
    assert placed["aligned"] is True
    # Found where it was said, not just anywhere in its gap.
    assert abs(placed["start"] - spoken["start"]) <= 0.25
    assert abs(placed["end"] - spoken["end"]) <= 0.25
    assert words[index - 1]["end"] <= placed["start"] < placed["end"]
    assert placed["end"] <= words[index + 1]["start"] + 0.001
    for i, (old, new) in enumerate(zip(words, realigned, strict=True)):
        if i != index:
            assert (new["start"], new["end"]) == (old["start"], old["end"])
    vtt = alice.client().get(f"/api/v1/transcribe/{jfk.id}/?format=vtt&speaker_names=false")
    assert "country" in vtt.content.decode()


def test_realignment_leaves_a_segment_edited_again_meanwhile_alone(alice, jfk):
    editor = TranscriptClient(alice, jfk)
    before = editor.get()
    segment = before["segments"][0]
    first = editor.edit_text(segment["id"], segment["text"] + " indeed", before["version"])
    row = SegmentRow.objects.get(key=segment["id"], transcript__is_current=True)
    second = editor.edit_text(segment["id"], segment["text"] + " surely", first["version"])

    # The task queued by the first edit runs after the second: it aligns the current text.
    realign_segments([row.pk])

    words = editor.get()["segments"][0]["words"]
    assert words[-1]["word"] == "surely"
    assert second["segment"]["text"].endswith("surely")


def test_a_word_in_a_language_no_aligner_knows_stays_spread_and_marked(alice):
    from dataclasses import replace

    from tests.audio_fixtures import whisper_transcribe
    from tests.transcripts.helpers import JFK

    result = whisper_transcribe(JFK)
    result = replace(result, segments=[replace(s, language="xx") for s in result.segments])
    job = completed_job(alice, result=result)
    editor = TranscriptClient(alice, job)
    before = editor.get()
    segment = before["segments"][0]
    editor.edit_text(segment["id"], segment["text"] + " zzz", before["version"])
    realign_segments([SegmentRow.objects.get(key=segment["id"], transcript__is_current=True).pk])
    last = editor.get()["segments"][0]["words"][-1]
    assert (last["word"], last["aligned"]) == ("zzz", False)
    assert last["end"] >= last["start"] >= segment["words"][-1]["end"]
