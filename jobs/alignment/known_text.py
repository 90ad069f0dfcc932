"""A job whose text the customer already has (``JobTask.ALIGN``): no engine transcribes
it; its text is aligned to the audio so the transcript has word timings like any other,
and is stored by the ordinary job completion.

Why a job at all: the transcript then lives where every transcript lives (versions, the
editor, the review desk, exports), and the job's lifecycle (claim, lease, fail uncharged,
events) is the one every job has. GoTranscript's ``forced_alignment`` and
``transcription_proofreading`` orders are such jobs.
"""

from __future__ import annotations

from pathlib import Path

from jobs.alignment.forced import words_align
from jobs.alignment.words import TimedWord, words_split
from jobs.engines.base import ProviderError, Segment, TranscriptionResult, Word
from jobs.media.probe import probe

ENGINE_NAME = "alignment"
# The text's lines are its segments; a long line (a plain-text paragraph) is cut after a
# sentence once it has this many words, and anywhere at twice as many, so the editor and
# captions get segments a person can read at once.
SEGMENT_WORDS = 20
_SENTENCE_END = (".", "?", "!", "…")
NOTHING_TO_ALIGN = "The transcript has no words to align to the audio."
NOTHING_ALIGNS = (
    "None of the transcript's words could be found in the audio: check that it is the "
    "transcript of this recording and in the language given."
)
# Words no aligner placed were given evenly spread times: say so to the editor (its doubt
# threshold is 0.6), rather than present a guess as found.
SPREAD_CONFIDENCE = 0.0


def known_text_lines(text: str) -> list[list[str]]:
    """The text's segments as lists of words: one a line, long lines cut at sentences."""
    segments: list[list[str]] = []
    for line in text.splitlines():
        current: list[str] = []
        for word in words_split(line):
            current.append(word)
            at_sentence_end = word.endswith(_SENTENCE_END) and len(current) >= SEGMENT_WORDS
            if at_sentence_end or len(current) >= SEGMENT_WORDS * 2:
                segments.append(current)
                current = []
        if current:
            segments.append(current)
    return segments


def known_text_align(audio_path: Path, text: str, language: str) -> TranscriptionResult:
    """``text`` (one segment a line) with word times found in ``audio_path``.

    Raises a permanent ``ProviderError`` (the job fails uncharged, with its sentence)
    when the text has no words or none of them can be found in the audio: an even spread
    would be timings that look real and are not. ``UnsupportedMedia`` for unreadable audio.
    """
    lines = known_text_lines(text)
    words = [word for line in lines for word in line]
    if not words:
        raise ProviderError(NOTHING_TO_ALIGN, permanent=True)
    duration = probe(audio_path).duration
    timed = words_align(audio_path, words, language, duration) if duration > 0 else None
    if timed is None:
        raise ProviderError(NOTHING_ALIGNS, permanent=True)
    segments: list[Segment] = []
    position = 0
    for line in lines:
        line_words = [_word(w) for w in timed[position : position + len(line)]]
        position += len(line)
        segments.append(
            Segment(
                start=line_words[0].start,
                end=line_words[-1].end,
                text=" ".join(line),
                confidence=min(w.confidence for w in line_words),
                words=tuple(line_words),
            )
        )
    return TranscriptionResult(
        segments=segments, language=language, duration=duration, engine=ENGINE_NAME
    )


def _word(timed: TimedWord) -> Word:
    aligned = timed.get("aligned", True)
    return Word(
        text=timed["word"],
        start=timed["start"],
        end=timed["end"],
        confidence=1.0 if aligned else SPREAD_CONFIDENCE,
        aligned=aligned,
    )
