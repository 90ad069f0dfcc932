"""Media for tests: long recordings built quickly in flat memory, and a web server to
fetch media from by URL.

``sparse_speech`` writes hours of digital silence with real speech clips placed at
known times, as 16 kHz mono FLAC: silence costs FLAC almost nothing to write, store and
decode, so a three-hour file is about a megabyte and a few seconds of work.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from jobs.media.decode import SAMPLE_RATE, SAMPLE_WIDTH, pcm_stream
from jobs.media.encode import PcmEncoder
from tests.upstreams.loopback import Loopback, Recorded, Reply

_SECOND_OF_SILENCE = bytes(SAMPLE_RATE * SAMPLE_WIDTH)


def sparse_speech(dest: Path, *, seconds: float, clips_at: Sequence[tuple[float, Path]]) -> Path:
    """``seconds`` of silence with each clip starting at its time (sorted, not overlapping)."""
    position = 0  # samples written
    with PcmEncoder(dest) as encoder:
        for at, clip in sorted(clips_at):
            position = _silence(encoder, position, round(at * SAMPLE_RATE))
            for block in pcm_stream(clip):
                encoder.write(block)
                position += len(block) // SAMPLE_WIDTH
        _silence(encoder, position, round(seconds * SAMPLE_RATE))
    return dest


def _silence(encoder: PcmEncoder, position: int, until: int) -> int:
    if until < position:
        raise ValueError("clips overlap")
    while position < until:
        samples = min(until - position, SAMPLE_RATE)
        encoder.write(_SECOND_OF_SILENCE[: samples * SAMPLE_WIDTH])
        position += samples
    return position


class MediaHost(Loopback):
    """A web server with files and pages at chosen paths (``serve``); unknown paths 404."""

    def __init__(self) -> None:
        super().__init__()
        self.routes: dict[str, Reply] = {}

    def serve(self, path: str, reply: Reply) -> str:
        self.routes[path] = reply
        return f"{self.url}{path}"

    def answer(self, recorded: Recorded) -> Reply:
        return self.routes.get(
            recorded.path, Reply(404, b"not found", {"Content-Type": "text/plain"})
        )
