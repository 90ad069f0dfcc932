"""Forced alignment with Whisper's cross-attention, for any language Whisper knows.

The text is given, not decoded: CTranslate2's ``Whisper.align`` runs dynamic time warping
over the attention of the model's alignment heads, and faster-whisper's own
``add_word_timestamps`` (the code behind ``word_timestamps=True``) turns that into word
times, with its guards against words stretched over pauses. Only the mapping back to our
words is ours.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from jobs.alignment.base import audio_window
from jobs.alignment.words import TimedWord, words_fill
from jobs.engines.base import ProviderError
from jobs.engines.whisper import model as whisper_model

# Whisper hears 30 s at a time; a stretch to align is a few words, so longer windows are
# refused rather than cut.
MAX_SECONDS = 30.0


def whisper_languages() -> frozenset[str]:
    """The languages the Whisper tokenizer has a token for."""
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return frozenset(_LANGUAGE_CODES)


class WhisperAligner:
    name = "whisper"

    def align(
        self, audio_path: Path, start: float, end: float, words: Sequence[str], language: str
    ) -> list[TimedWord] | None:
        if language not in whisper_languages() or not words:
            return None
        if end <= start or end - start > MAX_SECONDS:
            return None
        pcm = audio_window(audio_path, start, end)
        if not pcm:
            return None
        try:
            model = whisper_model.load_model()
        except ProviderError:
            return None
        samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / np.float32(32768.0)
        try:
            timed = _word_times(model, samples, words, language)
        except (RuntimeError, ValueError):
            return None
        seconds = len(samples) / 16000
        found: list[TimedWord | None] = []
        for word, timing in zip(words, timed, strict=True):
            if timing is None:
                found.append(None)
                continue
            word_start = start + min(timing[0], seconds)
            word_end = start + min(max(timing[1], timing[0]), seconds)
            found.append(
                {
                    "word": word,
                    "start": round(word_start, 3),
                    "end": round(word_end, 3),
                    "confidence": round(min(max(timing[2], 0.0), 1.0), 3),
                    "aligned": True,
                }
            )
        if all(item is None for item in found):
            return None
        return words_fill(words, found, start, end)


def _word_times(
    model: Any, samples: np.ndarray[Any, Any], words: Sequence[str], language: str
) -> list[tuple[float, float, float] | None]:
    """(start, end, probability) in seconds from the window's start, per word; None for
    a word Whisper's alignment left without time."""
    from faster_whisper.audio import pad_or_trim
    from faster_whisper.tokenizer import Tokenizer

    tokenizer = Tokenizer(
        model.hf_tokenizer, model.model.is_multilingual, task="transcribe", language=language
    )
    # As transcribe() does: the last feature frame is not audio.
    features = model.feature_extractor(samples)[..., :-1]
    frames = features.shape[-1]
    encoded = model.encode(pad_or_trim(features))
    text = "".join(" " + word for word in words)
    tokens = tokenizer.encode(text)
    segment = {"seek": 0, "start": 0.0, "end": frames / model.frames_per_second,
               "tokens": tokens}  # fmt: skip
    segments = [[segment]]
    prepend, append = _punctuation()
    model.add_word_timestamps(segments, tokenizer, encoded, frames, prepend, append, 0.0)
    # Whisper's words are ours re-split: map each back by where its characters fall.
    owner = [index for index, word in enumerate(words) for _ in range(len(word) + 1)]
    times: list[list[float]] = [[] for _ in words]
    position = 0
    for timing in segment.get("words", []):
        piece = str(timing["word"])
        stripped = len(piece) - len(piece.lstrip())
        at = min(position + stripped, len(owner) - 1)
        if piece.strip():
            times[owner[at]].append(float(timing["start"]))
            times[owner[at]].append(float(timing["end"]))
            times[owner[at]].append(float(timing["probability"]))
        position += len(piece)
    result: list[tuple[float, float, float] | None] = []
    for found in times:
        if not found:
            result.append(None)
            continue
        starts, ends, probabilities = found[0::3], found[1::3], found[2::3]
        result.append((min(starts), max(ends), float(np.mean(probabilities))))
    return result


@functools.cache
def _punctuation() -> tuple[str, str]:
    """The punctuation faster-whisper's transcribe() merges into the word before or after
    it: its defaults, so that aligned words split as transcribed ones do."""
    from faster_whisper import WhisperModel

    parameters = inspect.signature(WhisperModel.transcribe).parameters
    return (
        str(parameters["prepend_punctuations"].default),
        str(parameters["append_punctuations"].default),
    )
