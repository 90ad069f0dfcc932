"""Cut long audio at its quietest moments into chunks that are transcribed separately.

One pass over the decoded audio: each chunk grows to two thirds of the target length,
then ends at the quietest 300 ms of its last third (a pause between sentences, where
there is one; between words otherwise), so no word is cut in two and every sample
belongs to exactly one chunk: stitching needs no overlap and cannot double a word.
Chunks are written as 16 kHz mono FLAC (lossless: a chunk transcribes as the same
stretch of the whole file would) and a chunk of digital silence is not written at all.
Memory holds one chunk's last third at most, however long the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jobs.media.decode import SAMPLE_RATE, SAMPLE_WIDTH, pcm_stream
from jobs.media.encode import PcmEncoder

_FRAME = SAMPLE_RATE // 100  # 10 ms
_QUIET_FRAMES = 30  # the quietest 300 ms
# A chunk whose loudest sample stays below this (about -54 dBFS) holds nothing to hear.
SILENT_PEAK = 64


@dataclass(frozen=True)
class Cut:
    index: int
    start: float  # seconds on the media's timeline
    end: float
    path: Path | None  # None for a silent chunk, which is not written

    @property
    def seconds(self) -> float:
        return self.end - self.start


def cut_at_silences(
    path: Path,
    dest: Path,
    *,
    target: float,
    start: float = 0.0,
    end: float | None = None,
    total: float | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> Iterator[Cut]:
    """Yield the chunks of ``path`` between ``start`` and ``end``, written into ``dest``.

    ``target`` is the longest a chunk may be (the last one may run a third over rather
    than leave a scrap); ``total``, the seconds expected, keeps that last chunk whole
    and drives ``on_progress``. Raises ``UnsupportedMedia`` for unreadable media.
    """
    cutter = _Cutter(dest, target=target, origin=start, total=total)
    read = 0
    for block in pcm_stream(path, start=start, end=end):
        yield from cutter.feed(block)
        read += len(block)
        if on_progress is not None and total:
            on_progress(min(read / SAMPLE_WIDTH / SAMPLE_RATE / total, 1.0))
    yield from cutter.finish()


class _Cutter:
    def __init__(self, dest: Path, *, target: float, origin: float, total: float | None) -> None:
        self.dest = dest
        self.origin = origin
        self.max_samples = max(round(target * SAMPLE_RATE), _FRAME * _QUIET_FRAMES * 3)
        self.min_samples = self.max_samples * 2 // 3
        self.total_samples = None if total is None else round(total * SAMPLE_RATE)
        self.index = 0
        self.chunk_start = 0  # sample index of the current chunk's first sample
        self.written = 0  # samples of the current chunk already in its encoder
        self.pending = bytearray()  # samples after those, not yet written
        self.peak = 0
        self.final = False  # the current chunk runs to the end of the audio
        self.encoder = self._new_encoder()

    def _new_encoder(self) -> PcmEncoder:
        return PcmEncoder(self.dest / f"chunk-{self.index:05d}.flac")

    def feed(self, block: bytes) -> Iterator[Cut]:
        self.pending += block
        while True:
            pending = len(self.pending) // SAMPLE_WIDTH
            if self.final:
                self._write(pending)
                return
            if self.written + pending < self.max_samples:
                # Nothing before two thirds of the target can be a cut point.
                self._write(min(pending, max(self.min_samples - self.written, 0)))
                return
            if self.total_samples is not None:
                rest = self.total_samples - (self.chunk_start + self.max_samples)
                if rest < self.min_samples // 2:
                    self.final = True  # a scrap would be left over: this chunk takes it
                    continue
            self._write(max(self.min_samples - self.written, 0))
            self._write(self._quietest(self.max_samples - self.written))
            yield self._close()

    def finish(self) -> Iterator[Cut]:
        self._write(len(self.pending) // SAMPLE_WIDTH)
        if self.written:
            yield self._close(last=True)
        else:
            self.encoder.close()
            self.encoder.path.unlink(missing_ok=True)

    def _write(self, samples: int) -> None:
        if samples <= 0:
            return
        data = bytes(self.pending[: samples * SAMPLE_WIDTH])
        del self.pending[: samples * SAMPLE_WIDTH]
        if data:
            values = np.frombuffer(data, dtype="<i2")
            self.peak = max(self.peak, int(np.abs(values.astype(np.int32)).max()))
        self.encoder.write(data)
        self.written += len(data) // SAMPLE_WIDTH

    def _quietest(self, window: int) -> int:
        """Samples into ``pending`` (within ``window``) where the quietest 300 ms centre."""
        samples = np.frombuffer(bytes(self.pending[: window * SAMPLE_WIDTH]), dtype="<i2")
        frames = len(samples) // _FRAME
        if frames <= _QUIET_FRAMES:
            return window
        energy = (samples[: frames * _FRAME].astype(np.float64) ** 2).reshape(frames, _FRAME)
        per_frame = energy.mean(axis=1)
        smooth = np.convolve(per_frame, np.ones(_QUIET_FRAMES) / _QUIET_FRAMES, mode="valid")
        # The latest of equally quiet moments, so chunks stay as long as they may.
        quiet = len(smooth) - 1 - int(np.argmin(smooth[::-1]))
        return (quiet + _QUIET_FRAMES // 2) * _FRAME

    def _close(self, *, last: bool = False) -> Cut:
        self.encoder.close()
        start = self.origin + self.chunk_start / SAMPLE_RATE
        end = self.origin + (self.chunk_start + self.written) / SAMPLE_RATE
        path: Path | None = self.encoder.path
        if self.peak <= SILENT_PEAK:
            self.encoder.path.unlink(missing_ok=True)
            path = None
        cut = Cut(self.index, round(start, 3), round(end, 3), path)
        self.index += 1
        self.chunk_start += self.written
        self.written = 0
        self.peak = 0
        if not last:
            self.encoder = self._new_encoder()
        return cut
