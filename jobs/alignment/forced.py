"""Forced alignment of a whole recording to its known text: what GoTranscript's
``forced_alignment`` order delivers, a JSON array of ``{"word", "begin", "end"}``."""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

from jobs.alignment.realign import aligners_for
from jobs.alignment.words import TimedWord, words_split, words_spread
from jobs.media.probe import UnsupportedMedia, probe


class AlignedWord(TypedDict):
    word: str
    begin: float
    end: float


def align_words(audio_path: Path, text: str, language: str) -> list[AlignedWord]:
    """Every word of ``text``, in order, with the seconds where it begins and ends in
    ``audio_path``.

    The same aligners as transcript editing, best first for the language (pocketsphinx for
    English, Whisper otherwise), over the whole recording as one utterance: on the LibriVox
    clips that is 3 ms from the reference alignment against 22 ms for short stretches
    (bench/alignment.py). Words no aligner can place are spread evenly between their
    neighbours; when nothing can align the text at all, every word is spread over the
    recording. Raises ``UnsupportedMedia`` for audio that cannot be read.
    """
    words = words_split(text)
    if not words:
        return []
    duration = probe(audio_path).duration
    if duration <= 0:
        raise UnsupportedMedia("The recording has no audio to align the text to.")
    timed = words_align(audio_path, words, language, duration)
    if timed is None:
        timed = words_spread(words, 0.0, duration)
    return [{"word": w["word"], "begin": w["start"], "end": w["end"]} for w in timed]


def words_align(
    audio_path: Path, words: list[str], language: str, duration: float
) -> list[TimedWord] | None:
    """``words`` timed over the whole recording by the first aligner for ``language``
    that places any of them; None when none can (the caller decides whether an even
    spread will do)."""
    for aligner in aligners_for(language):
        timed = aligner.align(audio_path, 0.0, duration, words, language)
        if timed is not None and any(w.get("aligned") for w in timed):
            return timed
    return None
