"""Re-timing a segment after its text was edited: kept words keep their times, changed
stretches are aligned against the audio, and what cannot be aligned is spread evenly."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from jobs.alignment.base import Aligner
from jobs.alignment.retime import Stretch, retime
from jobs.alignment.sphinx import SphinxAligner
from jobs.alignment.whisper import WhisperAligner, whisper_languages
from jobs.alignment.words import TimedWord

# Which aligner serves which language, best first; the next is tried when one cannot
# align a stretch. Measured with bench/alignment.py on 2 shared cores (mean word-boundary
# error in ms; wall ms per align() call with models loaded):
#
#   reference (who made it)          mode        pocketsphinx       whisper
#   LibriVox x5 (pocketsphinx)       utterance   3 ms,  60 ms/call   84 ms, 753 ms/call
#                                    stretch    22 ms,  27 ms/call   90 ms, 754 ms/call
#   jfk.flac (our Whisper engine)    utterance 132 ms, 162 ms/call   26 ms, 837 ms/call
#                                    stretch   249 ms,  44 ms/call   36 ms, 759 ms/call
#   multilingual.mp3 German half     stretch          -              33 ms, 717 ms/call
#
# Each aligner agrees best with references it made itself, so the tie-breaker is the
# audio: only 2-3% of pocketsphinx's word time is silence (LibriVox, jfk) against 4% and
# 19% of Whisper's; on jfk Whisper puts "what" over the second of silence before it is
# said (4.21-5.25 s; it is spoken at 5.4 s, where pocketsphinx puts it). Pocketsphinx is
# also 12-28x faster. English: pocketsphinx first; Whisper when pocketsphinx cannot (4 of
# 71 LibriVox stretches, 2 of 22 jfk ones: words it does not know, or audio cut short).
# Every other language Whisper knows: Whisper. Stretch failures fall back to spreading.
ALIGNERS: dict[str, Aligner] = {
    SphinxAligner.name: SphinxAligner(),
    WhisperAligner.name: WhisperAligner(),
}
_ENGLISH = ("pocketsphinx", "whisper")
_OTHERS = ("whisper",)

# Kept words aligned along with a stretch, on each side, and the audio either side of
# them, so that their first and last sounds are not cut (a kept word's times may be off
# by a tenth of a second or more: Whisper's are).
CONTEXT_WORDS = 2
PADDING_SECONDS = 0.3


def aligners_for(language: str) -> list[Aligner]:
    """The aligners to try for ``language``, best first; empty when none knows it."""
    if language == "en":
        return [ALIGNERS[name] for name in _ENGLISH]
    if language in whisper_languages():
        return [ALIGNERS[name] for name in _OTHERS]
    return []


def realign_segment(
    audio_path: Path,
    language: str,
    segment_start: float,
    segment_end: float,
    old_words: Sequence[TimedWord],
    new_text: str,
) -> list[TimedWord]:
    """The words of ``new_text`` with times: those kept from ``old_words`` exactly as they
    were, the changed stretches aligned against ``audio_path`` (``aligned`` True) or, where
    nothing could align them, spread evenly over the gap they fill (``aligned`` False).

    The words come back in order, never overlapping, within [segment_start, segment_end],
    each new word between its kept neighbours. Never raises for audio that is missing or
    unreadable, or for a language no aligner knows: those stretches are spread.
    """
    retimed = retime(old_words, new_text, segment_start=segment_start, segment_end=segment_end)
    words = list(retimed.words)
    aligners = aligners_for(language)
    for stretch in retimed.stretches:
        if stretch.end <= stretch.start or not aligners:
            continue  # no room to find the words in: they keep their even spread
        placed = _aligned(audio_path, language, words, stretch, aligners, segment_start,
                          segment_end)  # fmt: skip
        if placed is not None:
            words[stretch.first : stretch.stop] = placed
    return words


@dataclass(frozen=True)
class Context:
    """What an aligner is given for a stretch: its words with up to ``CONTEXT_WORDS`` kept
    words either side, and the audio from the first to the last of them, padded."""

    words: list[str]
    start: float
    end: float
    before: int  # kept words in front of the stretch's own


def stretch_context(
    words: Sequence[TimedWord], stretch: Stretch, segment_start: float, segment_end: float
) -> Context:
    # An aligner places words far better when the audio it hears begins and ends with
    # words it was told about than when it must guess where unknown speech stops.
    before = list(words[max(stretch.first - CONTEXT_WORDS, 0) : stretch.first])
    after = list(words[stretch.stop : stretch.stop + CONTEXT_WORDS])
    start = (before[0]["start"] if before else stretch.start) - PADDING_SECONDS
    end = (after[-1]["end"] if after else stretch.end) + PADDING_SECONDS
    return Context(
        words=[w["word"] for w in before] + list(stretch.words) + [w["word"] for w in after],
        start=max(start, segment_start - PADDING_SECONDS, 0.0),
        end=min(end, segment_end + PADDING_SECONDS),
        before=len(before),
    )


def _aligned(
    audio_path: Path,
    language: str,
    words: list[TimedWord],
    stretch: Stretch,
    aligners: list[Aligner],
    segment_start: float,
    segment_end: float,
) -> list[TimedWord] | None:
    """The stretch's words as the first aligner that can place them says, kept inside the
    stretch's window; None when none can."""
    context = stretch_context(words, stretch, segment_start, segment_end)
    for aligner in aligners:
        timed = aligner.align(audio_path, context.start, context.end, context.words, language)
        if timed is None:
            continue
        mine = timed[context.before : context.before + len(stretch.words)]
        if not any(w.get("aligned") for w in mine):
            continue
        return _inside(mine, stretch.start, stretch.end)
    return None


def _inside(words: list[TimedWord], start: float, end: float) -> list[TimedWord]:
    """``words`` clamped into [start, end] and made not to overlap, in order."""
    inside: list[TimedWord] = []
    floor = start
    for word in words:
        word_start = min(max(word["start"], floor), end)
        word_end = min(max(word["end"], word_start), end)
        inside.append({**word, "start": round(word_start, 3), "end": round(word_end, 3)})
        floor = word_end
    return inside
