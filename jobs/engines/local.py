"""The built-in English engine: CMU pocketsphinx running in the worker process.

It needs no network, no GPU and no model files beyond its wheel, so it can serve when
Whisper (the default, ``jobs.engines.whisper``) cannot load; its decoder is also the
English forced aligner transcript editing needs. Quality is far below Whisper's.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import ClassVar

from pocketsphinx import Decoder

from jobs.engines.base import (
    EngineInfo,
    ProgressCallback,
    ProviderError,
    Segment,
    StaticEngine,
    TranscriptionRequest,
    TranscriptionResult,
    Word,
)
from jobs.engines.diarization import SpeakerTracker
from jobs.media.decode import SAMPLE_RATE, SAMPLE_WIDTH, pcm_stream
from jobs.media.probe import UnsupportedMedia, probe
from jobs.media.vad import SpeechRegion, speech_regions

_FRAME_SECONDS = 0.01  # pocketsphinx's default 100 frames per second
_PROGRESS_EVERY_SECONDS = 10.0
# Alternate pronunciations come back as "word(2)".
_ALTERNATE = re.compile(r"\(\d+\)$")

# Creating a Decoder loads ~90 MB of model and takes 0.4-0.8 s, so idle decoders are kept
# for the next job. A Decoder is not thread-safe: each is used by one call at a time, and
# concurrent calls simply create their own. One spare per process is enough for a worker.
_MAX_IDLE_DECODERS = 1
_idle_decoders: list[Decoder] = []
_idle_lock = threading.Lock()


class LocalEngine(StaticEngine):
    info: ClassVar[EngineInfo] = EngineInfo(
        name="local",
        label="Local (pocketsphinx, English)",
        languages=("en",),
        diarization=True,
        word_timestamps=True,
        vocabulary=False,
        quality_rank=1,
        speed_rank=3,
        notes=(
            "Runs on this server with CMU pocketsphinx: private and free, English only, "
            "far less accurate than Whisper (no punctuation), the fallback when Whisper "
            "cannot serve. "
            "Its speaker labels separate voices that differ in pitch or timbre; similar "
            "voices may share a label."
        ),
    )

    def transcribe(
        self, request: TranscriptionRequest, on_progress: ProgressCallback
    ) -> TranscriptionResult:
        """Transcribe ``request.path`` between ``request.start`` and ``request.end``.

        Raises ``ProviderError``: permanent when the media is unreadable or the request
        asks for something this engine cannot do, temporary when the engine itself fails.
        """
        if request.language not in self.info.languages:
            raise ProviderError(
                f"The local engine only understands English, not '{request.language}'.",
                permanent=True,
            )
        try:
            media = probe(request.path)
        except UnsupportedMedia as exc:
            raise ProviderError(exc.message, permanent=True) from exc
        start = max(request.start, 0.0)
        end = media.duration if request.end is None else min(request.end, media.duration)
        progress = _Progress(on_progress, total=max(end - start, 0.0))
        # (region number, segment): speakers are labelled per region once all are seen.
        decoded: list[tuple[int, Segment]] = []
        speakers = SpeakerTracker() if request.diarization else None
        try:
            with _decoder() as decoder:
                pcm = progress.counting(pcm_stream(request.path, start=start, end=request.end))
                for number, region in enumerate(speech_regions(pcm)):
                    if speakers is not None:
                        speakers.add(region.pcm)
                    segment = _decode_region(
                        decoder, region, offset=start, words=request.word_timestamps
                    )
                    if segment is not None:
                        decoded.append((number, segment))
                    progress.report()
        except UnsupportedMedia as exc:
            raise ProviderError(exc.message, permanent=True) from exc
        except (RuntimeError, ValueError, MemoryError) as exc:
            raise ProviderError(f"The local speech engine failed: {exc}") from exc
        labels = speakers.labels() if speakers is not None else None
        segments = [
            replace(segment, speaker=labels[number]) if labels else segment
            for number, segment in decoded
        ]
        progress.finish()
        return TranscriptionResult(
            segments=segments, language="en", duration=progress.seconds, engine="local"
        )


def _decode_region(
    decoder: Decoder, region: SpeechRegion, *, offset: float, words: bool
) -> Segment | None:
    decoder.start_utt()
    decoder.process_raw(region.pcm, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    if hypothesis is None:
        return None
    start = offset + region.start
    end = offset + region.end
    found: list[Word] = []
    for item in decoder.seg():
        text = _ALTERNATE.sub("", item.word)
        if _is_filler(text):
            continue
        # Frames are 10 ms from the start of the region; clamping keeps words inside the
        # region even when pocketsphinx counts a frame past the last sample.
        word_start = min(max(start + item.start_frame * _FRAME_SECONDS, start), end)
        word_end = min(max(start + (item.end_frame + 1) * _FRAME_SECONDS, word_start), end)
        found.append(
            Word(
                text=text,
                start=round(word_start, 3),
                end=round(word_end, 3),
                # pocketsphinx 5 already converts seg().prob from its logmath domain to a
                # posterior in 0..1; clamp anyway since rounding can push it past 1.
                confidence=_clamp(item.prob),
            )
        )
    if not found:
        return None
    return Segment(
        start=round(start, 3),
        end=round(end, 3),
        text=" ".join(word.text for word in found),
        confidence=round(sum(word.confidence for word in found) / len(found), 3),
        words=tuple(found) if words else (),
    )


def _is_filler(word: str) -> bool:
    # <s>, </s>, <sil>, [NOISE], ++BREATH++ and friends mark non-speech.
    return not word or word[0] in "<[+"


def _clamp(value: float) -> float:
    return round(min(max(value, 0.0), 1.0), 3)


@contextmanager
def _decoder() -> Iterator[Decoder]:
    with _idle_lock:
        decoder = _idle_decoders.pop() if _idle_decoders else None
    if decoder is None:
        try:
            decoder = Decoder(loglevel="FATAL")
        except (RuntimeError, ValueError) as exc:
            raise ProviderError(f"The local speech engine could not start: {exc}") from exc
    else:
        # Cepstral mean normalisation adapts to each recording; resetting it keeps one
        # customer's audio from colouring the next customer's transcript.
        decoder.reinit_feat()
    yield decoder
    # Only a decoder that finished cleanly goes back: after an exception it may be left
    # inside an utterance.
    with _idle_lock:
        if len(_idle_decoders) < _MAX_IDLE_DECODERS:
            _idle_decoders.append(decoder)


class _Progress:
    """Reports non-decreasing fractions of the trimmed audio read so far."""

    def __init__(self, callback: ProgressCallback, *, total: float) -> None:
        self._callback = callback
        self._total = total
        self._bytes = 0
        self._reported = 0.0
        self._last_report_seconds = 0.0

    @property
    def seconds(self) -> float:
        return round(self._bytes / (SAMPLE_RATE * SAMPLE_WIDTH), 3)

    def counting(self, pcm: Iterable[bytes]) -> Iterator[bytes]:
        # Reporting as audio is read, not only per speech region, keeps the worker's
        # lease renewed through long silences.
        for block in pcm:
            self._bytes += len(block)
            if self.seconds - self._last_report_seconds >= _PROGRESS_EVERY_SECONDS:
                self.report()
            yield block

    def report(self) -> None:
        self._last_report_seconds = self.seconds
        fraction = 1.0 if self._total <= 0 else min(self.seconds / self._total, 1.0)
        self._reported = max(self._reported, fraction)
        self._callback(self._reported)

    def finish(self) -> None:
        self._reported = 1.0
        self._callback(1.0)
