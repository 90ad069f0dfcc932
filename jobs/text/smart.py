"""Gumzo's job types: "Verbatim" keeps every word as heard, "Smart" drops the fillers.

Whisper writes punctuation and casing, and Smart keeps them: it removes filler tokens
from a segment's text and words, mends only what a removal leaves behind (a sentence end
the filler carried, the capital it had), and drops a segment that was nothing but
fillers. Engines that write neither (PocketSphinx) still get sentence case and a full
stop per segment, as before.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import replace

from jobs.engines.base import Segment
from jobs.models import JobType
from jobs.text.fillers import fillers_for

SENTENCE_END = ".?!…"
# Punctuation a removed filler may leave dangling before the sentence end it carried.
_DANGLING = ",;:–—-"  # noqa: RUF001 (en and em dashes, as written)
# Apostrophes and hyphens inside words ("don't") are not punctuation an engine wrote.
_WORD_JOINERS = "'’-"  # noqa: RUF001
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
_TRAILING = re.compile(r"[\W_]*$")


def apply_job_type(
    segments: Sequence[Segment], job_type: str, *, language: str | None = None
) -> list[Segment]:
    """The segments as the job type asks, in their order. ``language`` is for segments
    that do not say their own (it picks the filler list)."""
    if job_type == JobType.VERBATIM:
        return list(segments)
    # Judged over the whole transcript: a Whisper segment that continues a sentence can
    # itself be all lower case without punctuation.
    unformatted = _is_unformatted(" ".join(segment.text for segment in segments))
    smart = (
        _smart(segment, fillers_for(segment.language or language), unformatted=unformatted)
        for segment in segments
    )
    return [segment for segment in smart if segment is not None]


def _smart(segment: Segment, fillers: frozenset[str], *, unformatted: bool) -> Segment | None:
    """The segment without fillers; None when nothing else was said in it."""
    tokens = segment.text.split()
    kept = drop_fillers(tokens, fillers)
    words = drop_fillers([w.text for w in segment.words], fillers)
    if len(kept) == len(tokens) and len(words) == len(segment.words) and not unformatted:
        return segment
    text = " ".join(token for _, token in kept)
    if not any(character.isalnum() for character in text):
        return None
    if unformatted:
        text = text[0].upper() + text[1:]
        if text[-1] not in SENTENCE_END:
            text += "."
    return replace(
        segment,
        text=text,
        words=tuple(replace(segment.words[index], text=token) for index, token in words),
    )


def drop_fillers(tokens: Sequence[str], fillers: frozenset[str]) -> list[tuple[int, str]]:
    """The tokens that are not fillers, by index, each with the text it should now have.

    A filler's own comma goes with it, and so does the comma before it when the sentence
    runs on. A sentence end it carried ("we agree, um. So") moves to the word before it,
    and its capital ("Um, so") to the word after it, so the text reads as Whisper would
    have written it without the filler.
    """
    kept: list[tuple[int, str]] = []
    capitalise = False
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if _bare(token) not in fillers:
            kept.append((index - 1, _capitalised(token) if capitalise else token))
            capitalise = False
            continue
        tail = _trailing(token)
        # French puts a space before "?" and "!": "euh ?" is one filler with its mark,
        # and the mark keeps its space when it moves.
        spaced = ""
        while index < len(tokens) and not _bare(tokens[index]):
            tail += tokens[index]
            spaced = " "
            index += 1
        ends = "".join(character for character in tail if character in SENTENCE_END)
        if token.startswith(("¿", "¡")):
            # Spanish "¿eh?" is a question of its own; the sentence before it just ends.
            ends, spaced = ".", ""
        continues = index < len(tokens) and _first_letter_is_lower(tokens[index])
        opens = bool(kept) and _opens_sentence([token for _, token in kept[-2:]])
        if kept and not kept[-1][1].endswith(tuple(SENTENCE_END)):
            at, previous = kept[-1]
            if ends and not continues:
                kept[-1] = (at, previous.rstrip(_DANGLING) + spaced + ends)
            elif "," in tail and continues and previous.endswith(",") and not opens:
                # Whisper sets a filler off with commas ("we went, um, to the"); they
                # were the pause, not the sentence's. After a sentence's first word
                # ("No, um, it's") or before a capital ("Yes, um, I") the first comma
                # may be the sentence's own, and stays.
                kept[-1] = (at, previous[:-1])
        capitalise = capitalise or _first_letter_is_upper(token)
    return kept


def _opens_sentence(last_two: list[str]) -> bool:
    """Whether the last of these tokens is the first word of a sentence."""
    first = len(last_two) == 1 or last_two[0].endswith(tuple(SENTENCE_END))
    return first and _first_letter_is_upper(last_two[-1])


def _is_unformatted(text: str) -> bool:
    """Whether the engine wrote lower-case words and no punctuation at all."""
    return (
        any(character.islower() for character in text)
        and not any(character.isupper() for character in text)
        and not any(
            unicodedata.category(character).startswith("P") and character not in _WORD_JOINERS
            for character in text
        )
    )


def _bare(token: str) -> str:
    return _EDGE_PUNCTUATION.sub("", token).casefold()


def _trailing(token: str) -> str:
    match = _TRAILING.search(token)
    return match.group() if match else ""


def _first_letter(token: str) -> str:
    return next((character for character in token if character.isalpha()), "")


def _first_letter_is_upper(token: str) -> bool:
    return _first_letter(token).isupper()


def _first_letter_is_lower(token: str) -> bool:
    return _first_letter(token).islower()


def _capitalised(token: str) -> str:
    for at, character in enumerate(token):
        if character.isalpha():
            return token[:at] + character.upper() + token[at + 1 :]
    return token
