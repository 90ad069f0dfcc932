"""Word times across an edit, decided at once in the request that saves it (the audio is
consulted afterwards, in the background: ``services.realignment``): words whose text did
not change keep their times exactly; new words are spread over the stretch between their
kept neighbours and marked ``aligned: False``. The diff itself is ``jobs.alignment``'s."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from jobs.alignment import TimedWord, retime
from jobs.alignment.words import words_split

WordJson = dict[str, Any]


def segment_tokens(text: str) -> list[str]:
    """A segment's words as the editor counts them (punctuation attached to a word)."""
    return words_split(text)


def retimed_words(
    old_words: Sequence[WordJson], new_text: str, start: float, end: float
) -> list[WordJson]:
    """The words of ``new_text``: unchanged ones with their old times, the rest spread
    between their neighbours."""
    retimed = retime(
        cast(Sequence[TimedWord], old_words), new_text, segment_start=start, segment_end=end
    )
    return [dict(word) for word in retimed.words]


def split_words(
    words: Sequence[WordJson], tokens: Sequence[str], index: int, start: float, end: float
) -> tuple[list[WordJson], list[WordJson], float]:
    """A segment's words split before its ``index``-th token, and the time of the split
    (the start of the first word after it)."""
    if [w["word"] for w in words] != list(tokens):
        # Words and text disagree (an engine without word times): spread them first.
        words = retimed_words(words, " ".join(tokens), start, end)
    first, second = list(words[:index]), list(words[index:])
    at = float(second[0]["start"]) if second else end
    return first, second, round(at, 3)


def joined_confidence(words: Sequence[WordJson], default: float) -> float:
    """A segment's confidence from its words', ignoring words a person typed (which are
    certain, and would hide how doubtful the rest is)."""
    heard = [float(w.get("confidence", 0.0)) for w in words if w.get("aligned", True)]
    return round(sum(heard) / len(heard), 4) if heard else default
