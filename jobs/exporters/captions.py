"""Cutting a transcript into caption cues by line rules, shared by SubRip and WebVTT.

Cues are built from word timings (``jobs.exporters.timing``), never split a word, and end
at every change of speaker and every long pause. Otherwise a cue takes as many words as fit
the rules — ``max_lines`` lines of ``max_line_chars``, no longer than ``max_cue_seconds``, no
more text than ``max_chars_per_second`` allows in that time — and, when it must stop,
prefers to stop after a sentence, then after a comma, over stopping mid-phrase. Its end
then runs on into the following silence, up to the next cue, until it has been on screen
``min_cue_seconds`` and long enough to read at ``max_chars_per_second``.

Speech faster than ``max_chars_per_second`` cannot be slowed down: a cue keeps the time
its words were spoken in rather than drifting out of sync, so that one rule is the only
one real speech can break (the tests measure it on real transcripts).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from jobs.engines.base import Segment
from jobs.exporters.options import CaptionRules
from jobs.exporters.timing import Token, transcript_tokens

SENTENCE_END = (".", "?", "!", "…", "。", "？", "！")  # noqa: RUF001 (full-width, as written)
CLAUSE_END = (",", ";", ":", "–", "—", "、", "，", "；")  # noqa: RUF001
# Closing quotes and brackets after the punctuation still end the sentence ("done.")
_CLOSERS = "\"')]»”’"  # noqa: RUF001
# A cue that stops early at punctuation keeps at least this share of what would fit, so
# that a preference for tidy breaks does not make a string of tiny cues.
_SENTENCE_SHARE = 0.3
_CLAUSE_SHARE = 0.5
# Words either side of a pause this long go in different cues: a cue left on screen
# through silence seems to belong to whatever is heard next.
PAUSE_SECONDS = 2.0


@dataclass(frozen=True)
class Cue:
    start_ms: int
    end_ms: int
    speaker: str | None
    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.lines)


# A speaker's name → the text shown before their words on a cue's first line ("Ann: "),
# which takes room on that line; None when names are not shown as text.
Label = Callable[[str], str]


def build_cues(
    segments: Iterable[Segment], rules: CaptionRules, *, label: Label | None = None
) -> list[Cue]:
    """The transcript as cues in time order; numbered and formatted by the caller."""
    pieces: list[tuple[list[Token], list[str]]] = []
    for turn in _turns(transcript_tokens(segments)):
        prefix = label(turn[0].speaker) if label and turn[0].speaker else ""
        at = 0
        while at < len(turn):
            stop = _cue_stop(turn, at, rules, prefix)
            words = turn[at : stop + 1]
            pieces.append((words, wrap([t.text for t in words], rules, len(prefix))))
            at = stop + 1
    return _timed(pieces, rules, label)


def _turns(tokens: Iterable[Token]) -> list[list[Token]]:
    turns: list[list[Token]] = []
    for token in tokens:
        if turns and turns[-1][-1].speaker == token.speaker:
            turns[-1].append(token)
        else:
            turns.append([token])
    return turns


def _cue_stop(turn: Sequence[Token], at: int, rules: CaptionRules, prefix: str) -> int:
    """The index of the last token of the cue that starts at ``at``."""
    start = turn[at].start
    most_chars = rules.max_chars_per_second * rules.max_cue_seconds
    last = at
    for index in range(at + 1, len(turn)):
        texts = [t.text for t in turn[at : index + 1]]
        fits = (
            len(wrap(texts, rules, len(prefix))) <= rules.max_lines
            and len(prefix) + len(" ".join(texts)) <= most_chars
            and turn[index].end - start <= rules.max_cue_seconds
            and turn[index].start - turn[index - 1].end < PAUSE_SECONDS
        )
        if not fits:
            break
        last = index
    if last == len(turn) - 1:
        return last
    full = len(" ".join(t.text for t in turn[at : last + 1]))
    for ends, share in ((SENTENCE_END, _SENTENCE_SHARE), (CLAUSE_END, _CLAUSE_SHARE)):
        for index in range(last, at - 1, -1):
            chars = len(" ".join(t.text for t in turn[at : index + 1]))
            if chars < full * share:
                break
            if turn[index].text.rstrip(_CLOSERS).endswith(ends) and (
                turn[index].end - start >= rules.min_cue_seconds or index == last
            ):
                return index
    return last


def wrap(texts: Sequence[str], rules: CaptionRules, first_offset: int = 0) -> list[str]:
    """``texts`` as the fewest lines of at most ``max_line_chars``, balanced in length.

    ``first_offset`` characters of the first line are taken by a speaker label. A token
    longer than a line gets a line of its own rather than being split.
    """
    lines = _greedy(texts, rules.max_line_chars, first_offset)
    if len(lines) < 2:
        return lines
    # The narrowest width that still needs no more lines evens them out ("a b c d" over
    # two lines rather than a full line and a stub).
    total = first_offset + len(" ".join(texts))
    for width in range(math.ceil(total / len(lines)), rules.max_line_chars):
        balanced = _greedy(texts, width, first_offset)
        if len(balanced) == len(lines):
            return balanced
    return lines


def _greedy(texts: Sequence[str], width: int, first_offset: int) -> list[str]:
    lines: list[list[str]] = [[]]
    used = first_offset
    for text in texts:
        needed = len(text) + (1 if lines[-1] else 0)
        if lines[-1] and used + needed > width:
            lines.append([])
            used = 0
            needed = len(text)
        lines[-1].append(text)
        used += needed
    return [" ".join(line) for line in lines if line]


def _timed(
    pieces: Sequence[tuple[Sequence[Token], Sequence[str]]],
    rules: CaptionRules,
    label: Label | None,
) -> list[Cue]:
    """Times for each cue: from its first word to its last, run on into silence as far as
    reading it needs, never overlapping its neighbours, never past ``max_cue_seconds``."""
    cues: list[Cue] = []
    previous_end = 0
    longest = round(rules.max_cue_seconds * 1000)
    for index, (tokens, lines) in enumerate(pieces):
        speaker = tokens[0].speaker
        start = max(previous_end, round(tokens[0].start * 1000))
        end = min(max(start, round(tokens[-1].end * 1000)), start + longest)
        following = (
            round(pieces[index + 1][0][0].start * 1000) if index + 1 < len(pieces) else math.inf
        )
        chars = len(" ".join(lines)) + (len(label(speaker)) if label and speaker else 0)
        needed = round(max(rules.min_cue_seconds, chars / rules.max_chars_per_second) * 1000)
        if end - start < needed:
            end = max(end, int(min(start + needed, following, start + longest)))
        if end - start < needed:
            # Still short: start earlier, into the silence after the previous cue.
            start = max(previous_end, min(start, end - needed))
        cues.append(Cue(start, end, speaker, tuple(lines)))
        previous_end = end
    return cues
