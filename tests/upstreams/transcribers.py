"""What the loopback upstreams "hear" in the audio they receive.

* ``pocketsphinx``: real speech recognition (Hark's local engine) on the received file,
  so times and words come from the audio itself;
* ``bursts``: tone bursts found by their energy, each heard as a word named after its
  length (``b35`` for 0.35 s), so a test can place words at exact times and check that
  every one comes back once, at the right time, however the audio was cut;
* ``canned``: fixed words, for tests about the protocol rather than the audio.
"""

from __future__ import annotations

import math
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jobs.engines.base import TranscriptionRequest
from jobs.engines.local import LocalEngine
from jobs.media.decode import SAMPLE_RATE, pcm_stream
from jobs.media.probe import probe


@dataclass(frozen=True)
class Heard:
    text: str
    start: float
    end: float
    confidence: float = 0.9
    speaker: int | None = None


Transcriber = Callable[[Path], tuple[list[Heard], float]]


def pocketsphinx(path: Path) -> tuple[list[Heard], float]:
    result = LocalEngine().transcribe(TranscriptionRequest(path=path), lambda _: None)
    words = [
        Heard(w.text, w.start, w.end, w.confidence)
        for segment in result.segments
        for w in segment.words
    ]
    return words, result.duration


_FRAME = SAMPLE_RATE // 100  # 10 ms
_BURST_THRESHOLD = 1000.0  # RMS of a frame; the bursts are written at ~9000
_MAX_GAP_FRAMES = 5


def two_voices(path: Path) -> tuple[list[Heard], float]:
    """Two speakers taking turns: what diarizing upstreams report for any file."""
    heard = [
        Heard("Hello", 0.5, 0.9, 0.91, speaker=0),
        Heard("there.", 1.0, 1.4, 0.92, speaker=0),
        Heard("General", 3.0, 3.5, 0.88, speaker=1),
        Heard("Kenobi!", 3.6, 4.2, 0.87, speaker=1),
    ]
    return heard, probe(path).duration


def bursts(path: Path) -> tuple[list[Heard], float]:
    samples = np.frombuffer(b"".join(pcm_stream(path)), dtype="<i2").astype(np.float64)
    frames = len(samples) // _FRAME
    rms = np.sqrt((samples[: frames * _FRAME].reshape(frames, _FRAME) ** 2).mean(axis=1))
    loud = np.flatnonzero(rms > _BURST_THRESHOLD)
    heard: list[Heard] = []
    if loud.size:
        runs: list[list[int]] = [[int(loud[0]), int(loud[0])]]
        for index in loud[1:]:
            if index - runs[-1][1] <= _MAX_GAP_FRAMES:
                runs[-1][1] = int(index)
            else:
                runs.append([int(index), int(index)])
        for first, last in runs:
            start, end = first / 100, (last + 1) / 100
            heard.append(Heard(burst_name(end - start), round(start, 3), round(end, 3)))
    return heard, len(samples) / SAMPLE_RATE


def burst_name(seconds: float) -> str:
    """Bursts are written in lengths that are multiples of 50 ms."""
    return f"b{round(seconds * 20) * 5}"


def canned(words: Sequence[str], *, every: float = 0.5) -> Transcriber:
    def transcribe(path: Path) -> tuple[list[Heard], float]:
        duration = probe(path).duration
        heard = [
            Heard(word, round(i * every, 3), round(i * every + every * 0.8, 3))
            for i, word in enumerate(words)
            if i * every + every * 0.8 <= duration
        ]
        return heard, duration

    return transcribe


def write_bursts(dest: Path, *, seconds: float, bursts_at: Sequence[tuple[float, float]]) -> Path:
    """A 16 kHz mono WAV of silence with 440 Hz bursts at (start, length) pairs."""
    total = round(seconds * SAMPLE_RATE)
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        position = 0
        for start, length in sorted(bursts_at):
            first = round(start * SAMPLE_RATE)
            out.writeframesraw(bytes((first - position) * 2))
            count = round(length * SAMPLE_RATE)
            t = np.arange(count) / SAMPLE_RATE
            tone = (np.sin(2 * math.pi * 440 * t) * 12000).astype("<i2")
            out.writeframesraw(tone.tobytes())
            position = first + count
        out.writeframesraw(bytes(max(total - position, 0) * 2))
    return dest
