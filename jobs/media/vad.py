"""Find the stretches of speech in a 16 kHz mono PCM stream (voice activity detection).

Engines decode one region at a time, so the silence between sentences costs nothing and
no single decode ever holds more than ``max_region_seconds`` of audio.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from pocketsphinx import Endpointer

from jobs.media.decode import SAMPLE_RATE, SAMPLE_WIDTH

_BYTES_PER_SECOND = SAMPLE_RATE * SAMPLE_WIDTH


@dataclass(frozen=True)
class SpeechRegion:
    start: float
    end: float
    pcm: bytes


def speech_regions(
    pcm: Iterable[bytes], *, max_region_seconds: float = 30.0
) -> Iterator[SpeechRegion]:
    """Yield each speech region of ``pcm`` (16 kHz mono s16le) with its times in seconds.

    Times are relative to the first byte of ``pcm``. A region longer than
    ``max_region_seconds`` is cut into consecutive regions of at most that length.
    """
    if max_region_seconds <= 0:
        raise ValueError("max_region_seconds must be positive")
    endpointer = Endpointer(sample_rate=SAMPLE_RATE)
    frame_bytes: int = endpointer.frame_bytes
    max_region_bytes = max(frame_bytes, int(max_region_seconds * SAMPLE_RATE) * SAMPLE_WIDTH)

    pending = bytearray()  # input not yet given to the endpointer
    region = bytearray()  # speech of the region in progress, not yet yielded
    region_start: float | None = None  # None while outside speech

    for block in pcm:
        pending += block
        # Keep at least one byte back: pocketsphinx's end_stream() needs a non-empty
        # final frame, and its own Segmenter loses the last region of any stream whose
        # length is an exact multiple of the frame size because it never calls it.
        while len(pending) > frame_bytes:
            speech = endpointer.process(bytes(pending[:frame_bytes]))
            del pending[:frame_bytes]
            if speech is None:
                continue
            if region_start is None:
                region_start = float(endpointer.speech_start)
            region += speech
            if not endpointer.in_speech:
                yield _region(region_start, region)
                region.clear()
                region_start = None
            elif len(region) >= max_region_bytes:
                head = _region(region_start, region[:max_region_bytes])
                yield head
                del region[:max_region_bytes]
                region_start = head.end

    if endpointer.in_speech and pending:
        speech = endpointer.end_stream(bytes(pending[: len(pending) // 2 * 2]))
        if speech is not None:
            if region_start is None:
                region_start = float(endpointer.speech_start)
            region += speech
    while region and region_start is not None:
        piece = _region(region_start, region[:max_region_bytes])
        yield piece
        del region[:max_region_bytes]
        region_start = piece.end


def _region(start: float, pcm: bytes | bytearray) -> SpeechRegion:
    # The end is derived from the bytes rather than the endpointer's own clock so that
    # start + len(pcm) always agrees with the audio handed to the decoder.
    start = round(start, 3)
    end = round(start + len(pcm) / _BYTES_PER_SECOND, 3)
    return SpeechRegion(start=start, end=end, pcm=bytes(pcm))
