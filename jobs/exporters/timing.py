"""Timed tokens: a segment's text, word by word, each with the time it was spoken.

Captions and timecodes both need to know when each word of the *text* was said. The text
is what a reader sees (edited, cleaned), so it leads: its tokens take the times of the
segment's words when there is one word per token, and otherwise share out the segment's
span in proportion to their length, which is also how a segment without words is timed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from jobs.engines.base import Segment


@dataclass(frozen=True)
class Token:
    text: str
    start: float
    end: float
    speaker: str | None


def segment_tokens(segment: Segment) -> list[Token]:
    """The segment's text split at whitespace, each token timed; empty for a blank segment."""
    texts = segment.text.split()
    start = max(0.0, segment.start)
    end = max(start, segment.end)
    if texts and len(segment.words) == len(texts):
        tokens = []
        for text, word in zip(texts, segment.words, strict=True):
            word_start = min(max(start, word.start), end)
            tokens.append(
                Token(text, word_start, max(word_start, min(word.end, end)), segment.speaker)
            )
        return tokens
    total = sum(len(text) for text in texts) or 1
    tokens = []
    at = start
    for text in texts:
        step = (end - start) * len(text) / total
        tokens.append(Token(text, at, at + step, segment.speaker))
        at += step
    return tokens


def transcript_tokens(segments: Iterable[Segment]) -> Iterator[Token]:
    """Every token of every segment, in order."""
    for segment in segments:
        yield from segment_tokens(segment)
