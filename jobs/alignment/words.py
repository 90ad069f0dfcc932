"""Timed words as transcripts store them, and the text rules every part of alignment shares:
how edited text becomes words, when two words are "the same", and the even spread that
stands in for an alignment."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import NotRequired, TypedDict


class TimedWord(TypedDict):
    """One word of a segment, as the worker stores it in ``TranscriptSegment.words``.

    ``aligned`` is False for words whose times were shared out evenly rather than found in
    the audio; words an engine transcribed carry no flag and count as aligned.
    """

    word: str
    start: float
    end: float
    confidence: float
    aligned: NotRequired[bool]


def words_split(text: str) -> list[str]:
    """The words of edited text, split at whitespace with punctuation attached.

    A token that is punctuation alone ("—", a stray ",") joins the word before it (the
    first word's, at the start), as Whisper attaches punctuation to its words: it has no
    sound of its own to align.
    """
    words: list[str] = []
    orphans = ""
    for token in text.split():
        if word_key(token):
            words.append(orphans + token)
            orphans = ""
        elif words:
            words[-1] += token
        else:
            orphans += token
    if orphans and words:
        words[-1] += orphans
    return words


def word_key(word: str) -> str:
    """What a word is compared by: case-folded, punctuation and symbols stripped from its
    edges ("Americans," and "americans" are the same word; "don't" keeps its apostrophe)."""
    start, end = 0, len(word)
    while start < end and _is_edge(word[start]):
        start += 1
    while end > start and _is_edge(word[end - 1]):
        end -= 1
    return word[start:end].casefold()


def _is_edge(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def words_spread(words: Sequence[str], start: float, end: float) -> list[TimedWord]:
    """``words`` laid end to end over [start, end], each given time in proportion to its
    length in characters: the fallback where nothing can align them. Marked unaligned."""
    weights = [max(len(word_key(word)), 1) for word in words]
    total = sum(weights)
    span = max(end - start, 0.0)
    spread: list[TimedWord] = []
    position = 0
    for word, weight in zip(words, weights, strict=True):
        word_start = start + span * position / total
        position += weight
        word_end = start + span * position / total
        spread.append(_unaligned(word, word_start, word_end))
    return spread


def _unaligned(word: str, start: float, end: float) -> TimedWord:
    return {
        "word": word,
        "start": round(start, 3),
        "end": round(end, 3),
        "confidence": 0.0,
        "aligned": False,
    }


def words_fill(
    words: Sequence[str], found: Sequence[TimedWord | None], start: float, end: float
) -> list[TimedWord]:
    """``found`` with each gap (None) filled by spreading its words between the found
    words either side of it (or ``start``/``end``): for words an aligner could not place,
    such as those missing from its dictionary."""
    filled: list[TimedWord] = []
    index = 0
    while index < len(words):
        placed = found[index]
        if placed is not None:
            filled.append(placed)
            index += 1
            continue
        stop = index
        while stop < len(words) and found[stop] is None:
            stop += 1
        gap_start = filled[-1]["end"] if filled else start
        following = found[stop] if stop < len(words) else None
        gap_end = following["start"] if following is not None else end
        filled += words_spread(words[index:stop], gap_start, max(gap_end, gap_start))
        index = stop
    return filled
