"""Word times across an edit, decided at once (the audio is consulted later, in the
background): words whose text did not change keep their times exactly; new words are
spread over the stretch between their kept neighbours and marked ``aligned: False`` until
``jobs.transcripts.tasks`` aligns them against the audio."""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from typing import Any

WordJson = dict[str, Any]

_EDGES = re.compile(r"^\W+|\W+$")


def comparable(token: str) -> str:
    """A word as compared across an edit: case and surrounding punctuation do not make it
    a different word (fixing "its" to "It's," keeps its time)."""
    return _EDGES.sub("", token).casefold() or token


def retimed_words(
    old_words: Sequence[WordJson], new_text: str, start: float, end: float
) -> list[WordJson]:
    """The words of ``new_text``: unchanged ones with their old times, the rest spread
    between their neighbours."""
    tokens = new_text.split()
    old = [comparable(str(word["word"])) for word in old_words]
    new = [comparable(token) for token in tokens]
    placed: list[WordJson | None] = [None] * len(tokens)
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for a, b, size in matcher.get_matching_blocks():
        for offset in range(size):
            placed[b + offset] = {**old_words[a + offset], "word": tokens[b + offset]}
    return spread_unplaced(tokens, placed, start, end)


def spread_unplaced(
    tokens: Sequence[str], placed: Sequence[WordJson | None], start: float, end: float
) -> list[WordJson]:
    """Fill each run of unplaced words evenly (by length) between the kept words around
    it, or the segment's bounds."""
    words: list[WordJson] = []
    index = 0
    while index < len(tokens):
        word = placed[index]
        if word is not None:
            words.append(dict(word))
            index += 1
            continue
        run_end = index
        while run_end < len(tokens) and placed[run_end] is None:
            run_end += 1
        left = float(words[-1]["end"]) if words else start
        following = placed[run_end] if run_end < len(tokens) else None
        right = float(following["start"]) if following is not None else end
        words.extend(spread(tokens[index:run_end], max(left, start), max(right, left)))
        index = run_end
    return words


def spread(tokens: Sequence[str], start: float, end: float) -> list[WordJson]:
    """``tokens`` laid over ``start``–``end`` in proportion to their length."""  # noqa: RUF002
    total = sum(len(token) for token in tokens) or 1
    words = []
    cursor = start
    for token in tokens:
        width = (end - start) * len(token) / total
        words.append(
            {
                "word": token,
                "start": round(cursor, 3),
                "end": round(cursor + width, 3),
                "confidence": 1.0,
                "aligned": False,
            }
        )
        cursor += width
    return words


def split_words(
    words: Sequence[WordJson], tokens: Sequence[str], index: int, start: float, end: float
) -> tuple[list[WordJson], list[WordJson], float]:
    """A segment's words split before its ``index``-th token, and the time of the split
    (the start of the first word after it)."""
    if len(words) != len(tokens):
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
