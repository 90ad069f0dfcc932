"""Which language is spoken where: mixed-language recordings keep every language.

Whisper decides the language once per request when asked to detect it, so a recording
that switches from English to German comes back as English throughout, the German half
dropped or garbled (measured on ``multilingual.mp3``). Here the speech (found by Silero
VAD, which faster-whisper ships) is cut at pauses into windows of up to 30 seconds, each
window's language is detected on its own, and neighbouring windows of one language
become one run, decoded in that language. Unsure windows (short, or detected with low
probability) take their neighbour's language rather than starting a run of their own.

Thirty seconds is Whisper's own window: detecting costs one encoder pass per window,
what faster-whisper spends anyway to detect a file's language, so a chunk of the
pipeline (30 s) pays nothing extra. Shorter windows were tried: 15 s costs a second per
window on one thread and, on far-field meeting audio, a few seconds of cross-talk were
confidently "detected" as German (``ami_debug_tst00.wav``) — a longer window votes
with more speech. A switch of language inside one window is found by the pipeline's
chunks, each of which is detected on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16000
_WINDOW_SECONDS = 30.0
_RUN_SECONDS = 60.0
_VAD_THRESHOLD = 0.35
_VAD_BLOCK_SECONDS = 120.0
# Below either, a window's detection is a guess: Whisper needs a few seconds of speech.
_MIN_SURE_PROBABILITY = 0.5
_MIN_SURE_SECONDS = 2.0


@dataclass(frozen=True)
class Run:
    """Samples ``start:end`` of the audio, spoken in ``language``; ``speech`` holds the
    spans of speech VAD found in it (samples, on the same timeline)."""

    start: int
    end: int
    language: str
    speech: tuple[tuple[int, int], ...] = ()


def speech_spans(samples: npt.NDArray[np.float32]) -> list[tuple[int, int]]:
    """Where there is speech, in samples, from Silero VAD.

    Two minutes at a time: faster-whisper runs the VAD model over all the audio it is
    given in one batch, which took 280 MB for 20 minutes (measured); a span cut by a
    block boundary is joined up again.
    """
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    # Silero's default threshold (0.5) misses quiet far-field speech: on an AMI meeting
    # excerpt it kept 1 s of a 4.4 s turn ("Take notes." for "Who wants to take notes
    # today?"). Text invented in what 0.35 lets through is dropped by the guards.
    options = VadOptions(threshold=_VAD_THRESHOLD, min_silence_duration_ms=300, speech_pad_ms=200)
    block = int(_VAD_BLOCK_SECONDS * SAMPLE_RATE)
    gap = int(0.3 * SAMPLE_RATE)
    spans: list[tuple[int, int]] = []
    for offset in range(0, len(samples), block):
        for found in get_speech_timestamps(samples[offset : offset + block], options):
            start, end = offset + int(found["start"]), offset + int(found["end"])
            if spans and start - spans[-1][1] <= gap:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
    return spans


def language_runs(
    model: Any,
    samples: npt.NDArray[np.float32],
    *,
    language: str,
    on_window: Callable[[], None] = lambda: None,
) -> list[Run]:
    """Runs covering the audio's speech, each one language and at most a minute long,
    cut halfway through a pause; [] when there is no speech.

    With ``language`` given nothing is detected. ``on_window`` is called after each
    window's detection: on a long recording detecting takes minutes, and the worker must
    keep renewing its lease meanwhile. Runs are capped at a minute because faster-whisper
    computes the features of all the audio it is given at once: about 1 GB for ten
    minutes (measured), against under 100 MB for one.
    """
    spans = speech_spans(samples)
    if not spans:
        return []
    windows = _windows(spans)
    if language:
        languages = [language] * len(windows)
    else:
        guesses = []
        for start, end in windows:
            code, probability, _ = model.detect_language(audio=samples[start:end])
            on_window()
            sure = probability >= _MIN_SURE_PROBABILITY and end - start >= (
                _MIN_SURE_SECONDS * SAMPLE_RATE
            )
            guesses.append((str(code), sure))
        languages = _smoothed(guesses)
    limit = int(_RUN_SECONDS * SAMPLE_RATE)
    runs: list[Run] = []
    for index, ((start, end), code) in enumerate(zip(windows, languages, strict=True)):
        if runs and runs[-1].language == code and end - runs[-1].start <= limit:
            continue
        # A run starts halfway through the pause before its first window.
        boundary = 0 if index == 0 else (windows[index - 1][1] + start) // 2
        if runs:
            runs[-1] = Run(runs[-1].start, boundary, runs[-1].language)
        runs.append(Run(boundary, len(samples), code))
    return [
        Run(run.start, run.end, run.language,
            tuple(span for span in spans if run.start <= span[0] < run.end))
        for run in runs
    ]  # fmt: skip


def _windows(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Consecutive spans grouped into windows of at most 30 s (a longer span alone)."""
    limit = int(_WINDOW_SECONDS * SAMPLE_RATE)
    windows: list[tuple[int, int]] = []
    for start, end in spans:
        if windows and end - windows[-1][0] <= limit:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    return windows


def _smoothed(guesses: list[tuple[str, bool]]) -> list[str]:
    """Each window's language; an unsure one takes the nearest sure one before it (or
    after it, at the start), and with none sure all take the first guess."""
    sure = [code for code, confident in guesses if confident]
    if not sure:
        return [guesses[0][0]] * len(guesses)
    result: list[str] = []
    current = sure[0]
    for code, confident in guesses:
        if confident:
            current = code
        result.append(current)
    return result
