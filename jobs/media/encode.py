"""Write 16 kHz mono PCM into compact files: FLAC for chunks our own engines read back
(lossless, so a chunk transcribes exactly as the same stretch of the whole file), MP3
at a low bitrate for upstreams (every speech API accepts it, and ten minutes stay a few
megabytes, far under the 25 MB many of them allow per request).
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import av
import numpy as np

from jobs.media.decode import SAMPLE_RATE, SAMPLE_WIDTH, pcm_stream

# (container, codec) by file extension.
FORMATS = {"flac": ("flac", "flac"), "mp3": ("mp3", "libmp3lame")}
CONTENT_TYPES = {"flac": "audio/flac", "mp3": "audio/mpeg"}
_FRAME_SAMPLES = SAMPLE_RATE  # one second per encoder call


class PcmEncoder:
    """Encodes 16 kHz mono s16le PCM, written in pieces of any size, into ``dest``."""

    def __init__(self, dest: Path, *, kind: str = "flac", kbps: int | None = None) -> None:
        container, codec = FORMATS[kind]
        self.path = dest
        self.samples = 0
        self._container = av.open(str(dest), mode="w", format=container)
        stream = self._container.add_stream(codec, rate=SAMPLE_RATE, layout="mono")
        assert isinstance(stream, av.AudioStream)
        if kbps:
            stream.bit_rate = kbps * 1000
        self._stream = stream
        self._pending = bytearray()

    def write(self, pcm: bytes | bytearray | memoryview) -> None:
        self._pending += pcm
        frame_bytes = _FRAME_SAMPLES * SAMPLE_WIDTH
        while len(self._pending) >= frame_bytes:
            self._encode(bytes(self._pending[:frame_bytes]))
            del self._pending[:frame_bytes]

    def close(self) -> Path:
        if self._pending:
            self._encode(bytes(self._pending[: len(self._pending) // 2 * 2]))
            self._pending.clear()
        for packet in self._stream.encode(None):
            self._container.mux(packet)
        self._container.close()
        return self.path

    def __enter__(self) -> PcmEncoder:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            self.close()
        else:
            self._container.close()

    def _encode(self, pcm: bytes) -> None:
        if not pcm:
            return
        samples = np.frombuffer(pcm, dtype="<i2").reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(samples, format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self.samples
        self.samples += frame.samples
        for packet in self._stream.encode(frame):
            self._container.mux(packet)


def encode_span(
    path: Path, dest: Path, *, start: float = 0.0, end: float | None = None, kbps: int = 48
) -> float:
    """Write ``path`` between ``start`` and ``end`` as mono MP3 at ``kbps`` to ``dest``;
    returns the seconds written. Raises ``UnsupportedMedia`` for unreadable media."""
    with PcmEncoder(dest, kind="mp3", kbps=kbps) as encoder:
        for block in pcm_stream(path, start=start, end=end):
            encoder.write(block)
    return encoder.samples / SAMPLE_RATE
