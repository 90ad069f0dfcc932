"""English forced alignment with CMU pocketsphinx: its decoder told the words, then
asked where they are (``Decoder.set_align_text``)."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pocketsphinx import Decoder

from jobs.alignment.base import audio_window
from jobs.alignment.words import TimedWord, word_key, words_fill
from jobs.media.decode import SAMPLE_RATE, SAMPLE_WIDTH

_FRAME_SECONDS = 0.01  # pocketsphinx's 100 frames per second
_ALTERNATE = re.compile(r"\(\d+\)$")  # "to(3)": the third pronunciation of "to"
# Typographic apostrophes are what people type; the dictionary spells "don't".
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})

# Decoders in alignment mode, kept apart from the engine's (jobs.engines.local), which
# decode rather than align. Creating one loads ~90 MB and takes about half a second; a
# Decoder is not thread-safe, so each is lent to one call at a time and concurrent calls
# make their own. Aligning is quick: one spare per process is enough.
_MAX_IDLE_DECODERS = 1
_idle: list[Decoder] = []
_idle_lock = threading.Lock()


class SphinxAligner:
    name = "pocketsphinx"

    def align(
        self, audio_path: Path, start: float, end: float, words: Sequence[str], language: str
    ) -> list[TimedWord] | None:
        if language != "en" or not words or end <= start:
            return None
        pcm = audio_window(audio_path, start, end)
        if not pcm:
            return None
        try:
            decoded = _decode(pcm, words)
        except (RuntimeError, ValueError):  # a decoder that cannot start or rejects the text
            return None
        if decoded is None:
            return None
        known, timed = decoded
        seconds = len(pcm) / (SAMPLE_RATE * SAMPLE_WIDTH)
        found: list[TimedWord | None] = [None] * len(words)
        for index, item in zip(known, timed, strict=True):
            word_start = start + min(item.start_frame * _FRAME_SECONDS, seconds)
            word_end = start + min((item.end_frame + 1) * _FRAME_SECONDS, seconds)
            found[index] = {
                "word": words[index],
                "start": round(word_start, 3),
                "end": round(max(word_end, word_start), 3),
                "confidence": round(min(max(float(item.prob), 0.0), 1.0), 3),
                "aligned": True,
            }
        return words_fill(words, found, start, end)


def _decode(pcm: bytes, words: Sequence[str]) -> tuple[list[int], list[Any]] | None:
    """The indexes of the words the dictionary knows, and their segments from aligning
    them to ``pcm``; None when no word is known or the words cannot be fitted to it."""
    with _decoder() as decoder:
        spelled = [_spelling(decoder, word) for word in words]
        known = [index for index, text in enumerate(spelled) if text is not None]
        if not known:
            return None
        decoder.set_align_text(" ".join(text for text in spelled if text is not None))
        decoder.start_utt()
        decoder.process_raw(pcm, full_utt=True)
        decoder.end_utt()
        if decoder.hyp() is None:
            return None
        timed = [item for item in decoder.seg() if not _is_filler(item.word)]
    # Alignment that ran out of audio ends early, without the last words.
    return (known, timed) if len(timed) == len(known) else None


def _spelling(decoder: Decoder, word: str) -> str | None:
    """How the dictionary spells ``word``, or None when it does not know it."""
    key = word_key(word).translate(_APOSTROPHES)
    if key and decoder.lookup_word(key) is not None:
        return key
    return None


def _is_filler(word: str) -> bool:
    # <s>, </s>, <sil>, [NOISE]: silence and noise between the words.
    word = _ALTERNATE.sub("", word)
    return not word or word[0] in "<[+"


@contextmanager
def _decoder() -> Iterator[Decoder]:
    with _idle_lock:
        decoder = _idle.pop() if _idle else None
    if decoder is None:
        decoder = Decoder(loglevel="FATAL")
    else:
        # Cepstral mean normalisation adapts to the audio it hears; one recording's must
        # not colour the next one's alignment.
        decoder.reinit_feat()
    yield decoder
    # Only a decoder that finished cleanly goes back: after an exception it may be left
    # inside an utterance.
    with _idle_lock:
        if len(_idle) < _MAX_IDLE_DECODERS:
            _idle.append(decoder)
