"""How the Whisper engine builds segments from the words Whisper decoded and the speaker
label the diarizer gave each word: one segment per stretch of one speaker's words, so a
sentence two people share is split where the voice changes (``_segments``)."""

from __future__ import annotations

from jobs.engines.base import Word
from jobs.engines.whisper.engine import _segments
from jobs.engines.whisper.guards import Token


def spoken(*words: tuple[str, float, float, float]) -> list[Token]:
    """Tokens as Whisper gives them: each word with its leading space."""
    return [Token(f" {text}", start, end, probability) for text, start, end, probability in words]


# One decoded Whisper segment with no pause in it: "Are you coming? Yes, in a minute."
QUESTION_AND_ANSWER = spoken(
    ("Are", 0.00, 0.20, 0.9),
    ("you", 0.20, 0.35, 0.8),
    ("coming?", 0.35, 0.80, 0.7),
    ("Yes,", 1.00, 1.30, 0.6),
    ("in", 1.30, 1.40, 0.9),
    ("a", 1.40, 1.45, 1.0),
    ("minute.", 1.45, 1.90, 0.5),
)


def test_a_segment_is_split_where_the_speaker_changes():
    labels = ["SPEAKER_00"] * 3 + ["SPEAKER_01"] * 4

    question, answer = _segments(QUESTION_AND_ANSWER, labels, language="en")

    assert (question.speaker, question.text) == ("SPEAKER_00", "Are you coming?")
    assert (answer.speaker, answer.text) == ("SPEAKER_01", "Yes, in a minute.")
    # Each part keeps its own words and their times; its span is theirs.
    assert question.words == (
        Word("Are", 0.0, 0.2, 0.9),
        Word("you", 0.2, 0.35, 0.8),
        Word("coming?", 0.35, 0.8, 0.7),
    )
    assert (question.start, question.end) == (0.0, 0.8)
    assert (answer.start, answer.end) == (1.0, 1.9)
    assert [w.text for w in answer.words] == ["Yes,", "in", "a", "minute."]
    # Confidence is the mean of the part's own words.
    assert question.confidence == 0.8
    assert answer.confidence == 0.75
    assert question.language == answer.language == "en"


def test_a_speaker_who_comes_back_starts_a_segment_of_their_own_again():
    labels = ["SPEAKER_00"] * 3 + ["SPEAKER_01"] * 1 + ["SPEAKER_00"] * 3

    segments = _segments(QUESTION_AND_ANSWER, labels, language="en")

    assert [(s.speaker, s.text) for s in segments] == [
        ("SPEAKER_00", "Are you coming?"),
        ("SPEAKER_01", "Yes,"),
        ("SPEAKER_00", "in a minute."),
    ]
    assert [s.start for s in segments] == [0.0, 1.0, 1.3]


def test_without_speakers_the_decoded_segment_stays_whole():
    [segment] = _segments(QUESTION_AND_ANSWER, [""] * 7, language="en")

    assert segment.speaker is None
    assert segment.text == "Are you coming? Yes, in a minute."
    assert (segment.start, segment.end) == (0.0, 1.9)
    assert len(segment.words) == 7


def test_one_speakers_words_are_split_at_a_long_pause_but_not_a_short_one():
    words = spoken(
        ("First", 0.0, 0.4, 0.9),
        ("part.", 0.4, 0.9, 0.9),
        ("Still", 2.8, 3.1, 0.9),  # 1.9 s after "part.": the same segment
        ("going.", 3.1, 3.5, 0.9),
        ("Later.", 5.6, 6.0, 0.9),  # 2.1 s after "going.": a new one
    )

    segments = _segments(words, ["SPEAKER_00"] * 5, language="en")

    assert [s.text for s in segments] == ["First part. Still going.", "Later."]
    assert {s.speaker for s in segments} == {"SPEAKER_00"}
