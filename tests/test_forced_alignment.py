"""GoTranscript's forced alignment: a recording and its text give every word with the
seconds it begins and ends, close to the LibriVox reference alignments."""

from __future__ import annotations

import itertools
import json
import re
import statistics
from pathlib import Path

import pytest

from jobs.alignment.forced import align_words
from jobs.media.probe import UnsupportedMedia
from tests.audio_fixtures import SHARED_AUDIO

LIBRIVOX = sorted(SHARED_AUDIO.glob("librivox_*.wav"))
_ALTERNATE = re.compile(r"\(\d+\)$")  # "them(2)": the reference's second pronunciation
TOLERANCE_SECONDS = 0.1


def reference_words(path: Path) -> list[tuple[str, float, float]]:
    """The reference's words (no silences or noise) as (word, begin, end)."""
    data = json.loads(path.with_suffix(".align.json").read_text())
    return [
        (_ALTERNATE.sub("", w["t"]), w["b"], w["b"] + w["d"])
        for w in data["w"]
        if not w["t"].startswith(("<", "["))
    ]


@pytest.mark.parametrize("audio", LIBRIVOX, ids=lambda p: p.stem)
def test_librivox_word_times_are_within_a_tenth_of_a_second_of_the_reference(
    audio: Path,
) -> None:
    reference = reference_words(audio)
    aligned = align_words(audio, audio.with_suffix(".txt").read_text(), "en")

    assert [w["word"].lower() for w in aligned] == [word for word, _, _ in reference]
    errors = [
        (abs(got["begin"] - begin) + abs(got["end"] - end)) / 2
        for got, (_, begin, end) in zip(aligned, reference, strict=True)
    ]
    mean = statistics.mean(errors)
    print(f"{audio.stem}: mean word error {mean * 1000:.1f} ms over {len(errors)} words")
    assert mean < TOLERANCE_SECONDS
    assert all(w["begin"] <= w["end"] for w in aligned)
    assert all(a["end"] <= b["begin"] for a, b in itertools.pairwise(aligned))


def test_librivox_clips_are_there_to_measure() -> None:
    assert len(LIBRIVOX) == 5


def test_text_no_aligner_knows_is_spread_over_the_recording() -> None:
    audio = LIBRIVOX[0]
    aligned = align_words(audio, "eins zwei drei", "xx")
    assert [w["word"] for w in aligned] == ["eins", "zwei", "drei"]
    assert aligned[0]["begin"] == 0.0
    assert aligned[-1]["end"] == pytest.approx(7.1, abs=0.05)


def test_unreadable_audio_is_refused_with_a_sentence(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.wav"
    bogus.write_text("not audio at all")
    with pytest.raises(UnsupportedMedia) as raised:
        align_words(bogus, "hello", "en")
    assert raised.value.message
