"""Forced alignment: pocketsphinx against Whisper, how close and how fast. One command.

    .venv/bin/python bench/alignment.py      # about two minutes on 2 shared cores

Two ways of aligning, on two kinds of reference:

* **utterance**: every word of a recording (or of one Whisper segment) aligned over its
  whole span at once;
* **stretch**: what editing does. Each word in turn is treated as the changed stretch and
  aligned with its kept neighbours (``jobs.alignment.realign.stretch_context``: up to two
  words either side, padded), and the aligner's own times for it are compared, before
  ``realign_segment`` clamps them into the gap between the neighbours.

References: the LibriVox clips' ``.align.json`` (pocketsphinx's own alignment, so biased
towards pocketsphinx); jfk.flac and the German half of multilingual.mp3 with the word
times of our Whisper engine's transcription (biased towards Whisper). The error of a word
is the mean of its start and end errors; a file's is the mean over its words, in ms.
"failed" counts alignments that returned nothing (realign would then try the next
aligner or spread). Times are wall milliseconds per align() call, models loaded; the
first call of each aligner (loading) is reported apart.

Exit status: 0 (a benchmark, not a test); 1 when an aligner failed on every word.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # run as a script: the repository's packages

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402
import numpy as np  # noqa: E402

django.setup()

from jobs.alignment.base import Aligner, audio_window  # noqa: E402
from jobs.alignment.realign import ALIGNERS, stretch_context  # noqa: E402
from jobs.alignment.retime import Stretch  # noqa: E402
from jobs.alignment.words import TimedWord  # noqa: E402
from jobs.engines.base import TranscriptionRequest  # noqa: E402
from jobs.engines.whisper import WhisperEngine  # noqa: E402
from tests.audio_fixtures import SHARED_AUDIO  # noqa: E402

LIBRIVOX = ("0870", "0880", "0890", "0920", "0930")
NAMES = ("pocketsphinx", "whisper")
SILENCE_DB = 30.0


@dataclass(frozen=True)
class Reference:
    name: str
    path: Path
    language: str
    source: str  # who made the reference times
    # Runs of words aligned whole in "utterance" mode: a recording, or one segment.
    spans: list[tuple[float, float, list[TimedWord]]]

    @property
    def words(self) -> list[TimedWord]:
        return [word for _, _, words in self.spans for word in words]


@dataclass
class Score:
    errors: list[float] = field(default_factory=list)  # ms, per word
    # Reference-free, utterance mode: seconds of word time that are silent, seconds of
    # speech outside every word, seconds of words and of speech.
    silent_in_words: float = 0.0
    speech_missed: float = 0.0
    word_seconds: float = 0.0
    speech_seconds: float = 0.0
    failed: int = 0
    attempts: int = 0
    seconds: list[float] = field(default_factory=list)  # per call

    @property
    def error(self) -> float | None:
        return statistics.mean(self.errors) if self.errors else None

    @property
    def silent_share(self) -> float | None:
        return 100 * self.silent_in_words / self.word_seconds if self.word_seconds else None

    @property
    def missed_share(self) -> float | None:
        return 100 * self.speech_missed / self.speech_seconds if self.speech_seconds else None

    def add_energy(self, other: Score) -> None:
        self.silent_in_words += other.silent_in_words
        self.speech_missed += other.speech_missed
        self.word_seconds += other.word_seconds
        self.speech_seconds += other.speech_seconds

    @property
    def call_ms(self) -> float | None:
        return 1000 * statistics.mean(self.seconds) if self.seconds else None


def main() -> int:
    began = time.monotonic()
    references = _librivox() + _whisper_references()
    first_calls = _warm_up(references[0])
    print()
    print("Mean word-boundary error (ms), failures and wall time per align() call (ms)")
    header = (
        f"{'recording':<22} {'mode':<9} {'ref':<12} "
        + " ".join(f"{n[:6] + ' err':>10} {'failed':>7} {'ms/call':>8}" for n in NAMES)
        + f" {'err w/p':>8} {'time w/p':>8}"
    )
    print(header)
    totals: dict[tuple[str, str, str], Score] = {}
    broken = False
    for reference in references:
        for mode in ("utterance", "stretch"):
            scores = {name: _score(ALIGNERS[name], reference, mode) for name in NAMES}
            for name, score in scores.items():
                total = totals.setdefault((reference.source, mode, name), Score())
                if score.error is not None:
                    total.errors.append(score.error)  # the mean of per-file means
                total.failed += score.failed
                total.attempts += score.attempts
                total.seconds += score.seconds
                total.add_energy(score)
            _row(reference.name, mode, reference.source, scores)
    print()
    print("Means over recordings")
    print(header)
    for source in dict.fromkeys(r.source for r in references):
        for mode in ("utterance", "stretch"):
            scores = {name: totals[(source, mode, name)] for name in NAMES}
            _row("mean", mode, source, scores)
            usable = [s for s in scores.values() if s.attempts]
            broken |= any(s.failed == s.attempts for s in usable if s.attempts > 1)
    print()
    print("Against the audio's loudness (utterance mode, all recordings of a reference):")
    print("share of word time that is silence, share of speech outside every word (%)")
    for source in dict.fromkeys(r.source for r in references):
        cells = []
        for name in NAMES:
            score = totals[(source, "utterance", name)]
            if score.silent_share is not None and score.missed_share is not None:
                cells.append(f"{name} {score.silent_share:.0f} / {score.missed_share:.0f}")
        reference_score = Score()
        for reference in references:
            if reference.source == source:
                for start, end, words in reference.spans:
                    _energy(reference_score, reference.path, start, end, words)
        cells.append(
            f"the reference itself {reference_score.silent_share or 0:.0f} / "
            f"{reference_score.missed_share or 0:.0f}"
        )
        print(f"  {source} references: " + "; ".join(cells))
    print()
    print(
        "First call (decoder or model load + one alignment): "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in first_calls.items())
    )
    print(f"Benchmark time: {time.monotonic() - began:.0f} s")
    return 1 if broken else 0


def _score(aligner: Aligner, reference: Reference, mode: str) -> Score:
    score = Score()
    if aligner.name == "pocketsphinx" and reference.language != "en":
        return score
    if mode == "utterance":
        for start, end, words in reference.spans:
            timed = _timed(aligner, reference, start, end, [w["word"] for w in words], score)
            if timed is not None:
                score.errors += [_error(t, w) for t, w in zip(timed, words, strict=True)]
                _energy(score, reference.path, start, end, timed)
        return score
    for start, end, words in reference.spans:
        for index in range(len(words)):
            if len(words) < 2:
                continue
            before = words[index - 1]["end"] if index else start
            after = words[index + 1]["start"] if index + 1 < len(words) else end
            stretch = Stretch(index, (words[index]["word"],), before, max(after, before))
            context = stretch_context(words, stretch, start, end)
            timed = _timed(aligner, reference, context.start, context.end, context.words, score)
            if timed is not None:
                score.errors.append(_error(timed[context.before], words[index]))
    return score


def _timed(
    aligner: Aligner,
    reference: Reference,
    start: float,
    end: float,
    words: list[str],
    score: Score,
) -> list[TimedWord] | None:
    began = time.perf_counter()
    timed = aligner.align(reference.path, start, end, words, reference.language)
    score.seconds.append(time.perf_counter() - began)
    score.attempts += 1
    if timed is None:
        score.failed += 1
    return timed


def _energy(score: Score, path: Path, start: float, end: float, words: list[TimedWord]) -> None:
    """Where the words fall against the audio's loudness, 10 ms at a time: a frame more
    than ``SILENCE_DB`` below the span's loud frames is silence. Stop closures inside words
    are silent too, so neither aligner scores 0; the comparison is what counts."""
    loudness = _loudness(path, start, end)
    if loudness.size == 0:
        return
    silent = loudness < np.percentile(loudness, 95) - SILENCE_DB
    covered = np.zeros(loudness.size, dtype=bool)
    for word in words:
        first = max(round((word["start"] - start) * 100), 0)
        last = min(round((word["end"] - start) * 100), loudness.size)
        covered[first:last] = True
    score.silent_in_words += float((covered & silent).sum()) / 100
    score.speech_missed += float((~covered & ~silent).sum()) / 100
    score.word_seconds += float(covered.sum()) / 100
    score.speech_seconds += float((~silent).sum()) / 100


def _loudness(path: Path, start: float, end: float) -> np.ndarray[Any, Any]:
    """dB of each 10 ms frame of [start, end)."""
    pcm = audio_window(path, start, end) or b""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float32) / np.float32(32768.0)
    frames = samples[: samples.size // 160 * 160].reshape(-1, 160)
    return np.asarray(20 * np.log10(np.sqrt((frames**2).mean(axis=1)) + 1e-9))


def _error(found: TimedWord, expected: TimedWord) -> float:
    return 500 * (abs(found["start"] - expected["start"]) + abs(found["end"] - expected["end"]))


def _row(name: str, mode: str, source: str, scores: dict[str, Score]) -> None:
    cells = []
    for score in scores.values():
        error = "-" if score.error is None else f"{score.error:.0f}"
        failed = f"{score.failed}/{score.attempts}" if score.attempts else "-"
        call = "-" if score.call_ms is None else f"{score.call_ms:.0f}"
        cells.append(f"{error:>10} {failed:>7} {call:>8}")
    sphinx, whisper = scores["pocketsphinx"], scores["whisper"]
    error_ratio = _ratio(whisper.error, sphinx.error)
    time_ratio = _ratio(whisper.call_ms, sphinx.call_ms)
    print(f"{name:<22} {mode:<9} {source:<12} " + " ".join(cells)
          + f" {error_ratio:>8} {time_ratio:>8}")  # fmt: skip


def _ratio(numerator: float | None, denominator: float | None) -> str:
    if numerator is None or not denominator:
        return "-"
    return f"{numerator / denominator:.2f}"


def _warm_up(reference: Reference) -> dict[str, float]:
    first: dict[str, float] = {}
    start, end, words = reference.spans[0]
    for name in NAMES:
        began = time.perf_counter()
        ALIGNERS[name].align(reference.path, start, end, [w["word"] for w in words], "en")
        first[name] = 1000 * (time.perf_counter() - began)
    return first


def _librivox() -> list[Reference]:
    references = []
    for number in LIBRIVOX:
        stem = f"librivox_ss01_{number}"
        aligned = json.loads((SHARED_AUDIO / f"{stem}.align.json").read_text())
        words: list[TimedWord] = [
            {"word": item["t"].split("(")[0], "start": item["b"],
             "end": round(item["b"] + item["d"], 3), "confidence": 1.0}
            for item in aligned["w"]
            if not item["t"].startswith(("<", "["))
        ]  # fmt: skip
        text = (SHARED_AUDIO / f"{stem}.txt").read_text().split()
        assert [w["word"] for w in words] == text, f"{stem}: alignment and text disagree"
        spans = [(0.0, float(aligned["b"] + aligned["d"]), words)]
        references.append(
            Reference(f"{stem}.wav", SHARED_AUDIO / f"{stem}.wav", "en", "pocketsphinx", spans)
        )
    return references


def _whisper_references() -> list[Reference]:
    """jfk.flac (English) and multilingual.mp3 from 29 s (German), as transcribed by our
    Whisper engine: its words' times are the reference, each segment one span."""
    references = []
    for name, language, start in (("jfk.flac", "en", 0.0), ("multilingual.mp3", "de", 29.0)):
        path = SHARED_AUDIO / name
        result = WhisperEngine().transcribe(
            TranscriptionRequest(path=path, language=language, start=start), lambda _: None
        )
        spans = [
            (segment.start, segment.end,
             [{"word": w.text, "start": w.start, "end": w.end, "confidence": w.confidence}
              for w in segment.words])
            for segment in result.segments
        ]  # fmt: skip
        label, source = (
            (name, "whisper-asr") if language == "en" else (f"{name} (de)", "whisper-de")
        )
        references.append(Reference(label, path, language, source, spans))  # type: ignore[arg-type]
    return references


if __name__ == "__main__":
    sys.exit(main())
