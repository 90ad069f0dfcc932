"""Transcript as paragraphs for reading formats (text, HTML, PDF, Word), with timecodes.

A paragraph is one speaker's turn, or one segment when nobody is labelled. GoTranscript's
timestamping puts ``[HH:MM:SS]`` timecodes in the text: every N seconds (at the first word
spoken at or after each N-second mark, showing that word's time, so a long silence gives
one timecode, not a run of them), or at each change of speaker (once, at the start, when
nobody is labelled).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from jobs.engines.base import Segment
from jobs.exporters.options import CHANGE_OF_SPEAKER, ExportOptions
from jobs.exporters.timing import segment_tokens


@dataclass(frozen=True)
class Timecode:
    seconds: float

    @property
    def label(self) -> str:
        """``[HH:MM:SS]``, the time the words after it start, to the second below."""
        whole = max(0, math.floor(self.seconds))
        minutes, seconds = divmod(whole, 60)
        hours, minutes = divmod(minutes, 60)
        return f"[{hours:02d}:{minutes:02d}:{seconds:02d}]"


Piece = str | Timecode


@dataclass(frozen=True)
class Paragraph:
    speaker: str | None  # None when unlabelled or names are not wanted
    pieces: tuple[Piece, ...]

    @property
    def text(self) -> str:
        """The paragraph's words and timecodes as one line of plain text."""
        return " ".join(p.label if isinstance(p, Timecode) else p for p in self.pieces)


def paragraphs(segments: Iterable[Segment], options: ExportOptions) -> list[Paragraph]:
    turns: list[tuple[str | None, list[Segment]]] = []
    for segment in segments:
        if not segment.text.strip():
            continue
        if segment.speaker and turns and turns[-1][0] == segment.speaker:
            turns[-1][1].append(segment)
        else:
            turns.append((segment.speaker, [segment]))
    interval = options.timecode_interval
    due = 0.0
    result = []
    for number, (speaker, turn) in enumerate(turns):
        pieces: list[Piece] = []
        words: list[str] = []
        if options.timestamping == CHANGE_OF_SPEAKER and (
            number == 0 or speaker != turns[number - 1][0]
        ):
            pieces.append(Timecode(turn[0].start))
        for segment in turn:
            if not interval:
                words.append(" ".join(segment.text.split()))
                continue
            for token in segment_tokens(segment):
                if token.start >= due:
                    if words:
                        pieces.append(" ".join(words))
                        words = []
                    pieces.append(Timecode(token.start))
                    due = (math.floor(token.start / interval) + 1) * interval
                words.append(token.text)
        if words:
            pieces.append(" ".join(words))
        result.append(Paragraph(speaker if options.speaker_names else None, tuple(pieces)))
    return result


def has_speakers(segments: Iterable[Segment]) -> bool:
    return any(segment.speaker for segment in segments if segment.text.strip())
