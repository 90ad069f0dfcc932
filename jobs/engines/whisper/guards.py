"""Whisper's known failure modes on real audio, caught after decoding.

faster-whisper already re-decodes at higher temperature when a window's compression
ratio or log-probability looks wrong, skips windows it thinks are silent, and
(``hallucination_silence_threshold``) drops text floated over long silences. What still
gets through, and is handled here:

* repetition loops ("the above copyright notice and the above copyright notice and
  ..."): a phrase repeated three or more times in a row is kept once;
* text invented over silence or music: a segment the model itself thought was probably
  not speech, whose words it was also unsure of, is dropped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# A segment is dropped when both hold: the model's own "no speech" probability (0.6, as
# OpenAI's own decoder uses it: at 0.5 a meeting's real "No. No." at 0.57 was dropped,
# and with it the second speaker), and the mean probability of its words
# (hallucinations over silence are fluent but unlikely).
_NO_SPEECH = 0.6
_UNSURE_WORDS = 0.45
_MAX_PHRASE_WORDS = 8
# Single words may repeat for emphasis ("no, no, no"); a loop repeats more.
_MIN_REPEATS = {1: 5}
_DEFAULT_MIN_REPEATS = 3
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)


@dataclass(frozen=True)
class Token:
    """A word as Whisper gave it: ``raw`` keeps its leading space (none in languages
    written without spaces), so joining tokens gives back the text as punctuated."""

    raw: str
    start: float
    end: float
    probability: float

    @property
    def key(self) -> str:
        return _NOT_WORD.sub("", self.raw).lower()


def looks_invented(tokens: Sequence[Token], *, no_speech_prob: float) -> bool:
    """True for a segment the model doubted was speech and whose words it doubted too."""
    if not tokens:
        return True
    mean = sum(t.probability for t in tokens) / len(tokens)
    return no_speech_prob >= _NO_SPEECH and mean < _UNSURE_WORDS


def without_loops(tokens: Sequence[Token]) -> list[Token]:
    """``tokens`` with any phrase repeated back to back (a decoding loop) kept once."""
    kept = list(tokens)
    for size in range(1, _MAX_PHRASE_WORDS + 1):
        kept = _collapse(kept, size, _MIN_REPEATS.get(size, _DEFAULT_MIN_REPEATS))
    return kept


def _collapse(tokens: list[Token], size: int, min_repeats: int) -> list[Token]:
    keys = [t.key for t in tokens]
    result: list[Token] = []
    i = 0
    while i < len(tokens):
        phrase = keys[i : i + size]
        repeats = 1
        if len(phrase) == size and any(phrase):
            while keys[i + repeats * size : i + (repeats + 1) * size] == phrase:
                repeats += 1
        if repeats >= min_repeats:
            result.extend(tokens[i : i + size])
            i += repeats * size
        else:
            result.append(tokens[i])
            i += 1
    return result
