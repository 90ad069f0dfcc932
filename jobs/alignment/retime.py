"""Carrying word times over a text edit: what was kept keeps its times, what changed is
reported as stretches to align.

The approach of BBC's react-transcript-editor: diff the old words against the new ones
(compared case- and punctuation-blind) and transfer the times of every match. Unlike it,
unmatched words are not interpolated and left there: each run becomes a ``Stretch`` with
the window of audio it must fit in, for an aligner to place.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from jobs.alignment.words import TimedWord, word_key, words_split, words_spread


@dataclass(frozen=True)
class Stretch:
    """A run of new words that replaced or were inserted among the old ones.

    They are ``Retimed.words[first : first + len(words)]`` and belong in [start, end]:
    from the end of the kept word before them (or the segment's start) to the start of
    the kept word after them (or the segment's end).
    """

    first: int
    words: tuple[str, ...]
    start: float
    end: float

    @property
    def stop(self) -> int:
        return self.first + len(self.words)


@dataclass(frozen=True)
class Retimed:
    """Every word of the new text in order, and the stretches still to align.

    Kept words carry their old times and confidence exactly (with the new spelling);
    words in a stretch hold an even spread over its window, unaligned, until an aligner
    does better — so ``words`` is a usable transcript as it is.
    """

    words: list[TimedWord]
    stretches: list[Stretch]


def retime(
    old_words: Sequence[TimedWord],
    new_text: str,
    *,
    segment_start: float | None = None,
    segment_end: float | None = None,
) -> Retimed:
    """Transfer ``old_words``' times to the words of ``new_text``.

    The segment's bounds limit the windows of stretches at either end; without them the
    old words' own span is used.
    """
    new = words_split(new_text)
    if segment_start is None:
        segment_start = float(old_words[0]["start"]) if old_words else 0.0
    if segment_end is None:
        segment_end = float(old_words[-1]["end"]) if old_words else segment_start
    matcher = difflib.SequenceMatcher(
        a=[word_key(w["word"]) for w in old_words],
        b=[word_key(w) for w in new],
        autojunk=False,  # "the" and "and" are words like any other here
    )
    kept: dict[int, TimedWord] = {}
    for tag, old_from, _, new_from, new_to in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(new_to - new_from):
                kept[new_from + offset] = _kept(
                    old_words[old_from + offset], new[new_from + offset]
                )
    words: list[TimedWord] = []
    stretches: list[Stretch] = []
    index = 0
    while index < len(new):
        if index in kept:
            words.append(kept[index])
            index += 1
            continue
        stop = index
        while stop < len(new) and stop not in kept:
            stop += 1
        start = words[-1]["end"] if words else segment_start
        end = kept[stop]["start"] if stop < len(new) else segment_end
        end = max(end, start)
        stretch = Stretch(first=index, words=tuple(new[index:stop]), start=start, end=end)
        stretches.append(stretch)
        words += words_spread(stretch.words, start, end)
        index = stop
    return Retimed(words=words, stretches=stretches)


def _kept(old: TimedWord, spelling: str) -> TimedWord:
    return {
        "word": spelling,
        "start": old["start"],
        "end": old["end"],
        "confidence": old["confidence"],
        "aligned": old.get("aligned", True),
    }
