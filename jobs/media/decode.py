"""Decode any accepted media file into 16 kHz mono signed 16-bit PCM, a block at a time.

Every engine that wants raw samples reads them from here, so the downmix, resampling and
trimming rules live in one place. Nothing here holds more than one block plus one decoded
frame, so memory stays flat for a three-hour file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import av
import av.container

from jobs.media.probe import UnsupportedMedia, open_media

SAMPLE_RATE = 16000
SAMPLE_WIDTH = 2  # bytes per sample: signed 16-bit little-endian

# Seek this far before the requested start: lossy decoders (MP3's bit reservoir, AAC's
# overlapping windows) produce garbage for the first frame or two after a seek.
_SEEK_PREROLL = 0.5
# FFmpeg skips over a damaged packet or two (a stray tag between joined MP3s, a glitch in
# a download) and so do we; a file with more than this many is broken, not glitchy.
_MAX_BAD_PACKETS = 10
# A jump in timestamps longer than this (a skipped packet, a gap in a recording) is filled
# with silence so that times after it still match the original media.
_MIN_GAP_SAMPLES = SAMPLE_RATE // 10


def pcm_stream(
    path: Path,
    *,
    start: float = 0.0,
    end: float | None = None,
    block_seconds: float = 1.0,
) -> Iterator[bytes]:
    """Yield the first audio stream of ``path`` as 16 kHz mono s16le, trimmed to [start, end).

    Blocks are ``block_seconds`` long except the last. Times are seconds from the start of
    the audio stream. Raises ``UnsupportedMedia`` when the file cannot be opened or turns
    out to be damaged part-way through.
    """
    if block_seconds <= 0:
        raise ValueError("block_seconds must be positive")
    start = max(start, 0.0)
    first_sample = round(start * SAMPLE_RATE)
    last_sample = None if end is None else round(end * SAMPLE_RATE)
    if last_sample is not None and last_sample <= first_sample:
        return
    block_bytes = max(1, round(block_seconds * SAMPLE_RATE)) * SAMPLE_WIDTH

    buffer = bytearray()
    for position, samples in _timeline(path, start):
        # ``position`` is the index of the chunk's first sample on the stream's timeline.
        count = len(samples) // SAMPLE_WIDTH
        skip = max(0, first_sample - position)
        stop = count if last_sample is None else min(count, last_sample - position)
        if stop > skip:
            buffer += samples[skip * SAMPLE_WIDTH : stop * SAMPLE_WIDTH]
        while len(buffer) >= block_bytes:
            yield bytes(buffer[:block_bytes])
            del buffer[:block_bytes]
        if last_sample is not None and position + count >= last_sample:
            break
    if buffer:
        yield bytes(buffer)


# The end of a file is decoded to prove the container's duration; a truncated file's
# header still promises the whole recording.
_TAIL_SECONDS = 2.0
_TAIL_SLACK = 0.25


def decodable_duration(path: Path, claimed: float) -> float:
    """The seconds of ``path`` that really decode, so that a file is priced (and
    transcribed) for the audio in it, not for what its header promises.

    ``claimed`` (the probe's duration) stands when its last seconds decode, which costs
    one seek. Otherwise the file is decoded from the start, and what decodes before the
    damage is its duration. Raises UnsupportedMedia when nothing decodes at all.
    """
    if claimed > 2 * _TAIL_SECONDS:
        tail = 0
        try:
            for block in pcm_stream(path, start=claimed - _TAIL_SECONDS, end=claimed):
                tail += len(block) // SAMPLE_WIDTH
        except UnsupportedMedia:
            tail = 0
        if tail >= (_TAIL_SECONDS - _TAIL_SLACK) * SAMPLE_RATE:
            return claimed
    samples = 0
    try:
        for block in pcm_stream(path, block_seconds=30.0):
            samples += len(block) // SAMPLE_WIDTH
    except UnsupportedMedia:
        pass  # what decoded before the damage is what there is to transcribe
    if samples == 0:
        raise UnsupportedMedia(
            "No audio in this file could be decoded; it looks damaged or truncated."
        )
    seconds = samples / SAMPLE_RATE
    return min(claimed, seconds) if claimed > 0 else seconds


def _timeline(path: Path, start: float) -> Iterator[tuple[int, bytes]]:
    """(index of first sample, mono 16 kHz s16le bytes) from at or before ``start`` onwards."""
    with ExitStack() as stack:
        try:
            container = stack.enter_context(open_media(path))
        except (av.FFmpegError, OSError) as exc:
            raise UnsupportedMedia("This file could not be opened as audio.") from exc
        if not container.streams.audio:
            raise UnsupportedMedia("This file has no audio track.")
        stream = container.streams.audio[0]
        time_base = stream.time_base
        origin = 0.0
        if stream.start_time and time_base:
            origin = float(stream.start_time * time_base)
        seeked = start > _SEEK_PREROLL and time_base is not None
        if seeked and time_base is not None:
            # Seeking lands on a packet at or before the target; pcm_stream drops the
            # surplus samples, so a seek is only a shortcut and never moves the output.
            target = origin + start - _SEEK_PREROLL
            try:
                container.seek(int(target / time_base), stream=stream)
            except av.FFmpegError:
                # A truncated file may have nothing to seek to: read it from the start.
                yield from _timeline(path, 0.0)
                return

        converter = _MonoConverter()
        position: int | None = None
        for frame in _frames(container, stream):
            expected = None if frame.time is None else round((frame.time - origin) * SAMPLE_RATE)
            if position is None:
                if seeked and (expected is None or expected > round(start * SAMPLE_RATE)):
                    # After the seek we either cannot tell where we are or the demuxer
                    # overshot the target: decode from the beginning instead.
                    yield from _timeline(path, 0.0)
                    return
                position = expected or 0
            elif expected is not None and expected - position >= _MIN_GAP_SAMPLES:
                # The resampler may still hold a few milliseconds of the audio before the
                # gap; they come out after the silence, which no listener could notice.
                for silence in _silence(expected - position):
                    yield position, silence
                    position += len(silence) // SAMPLE_WIDTH
            for chunk in converter.convert(frame):
                yield position, chunk
                position += len(chunk) // SAMPLE_WIDTH
        for chunk in converter.flush():
            yield position or 0, chunk
            position = (position or 0) + len(chunk) // SAMPLE_WIDTH


def _frames(
    container: av.container.InputContainer, stream: av.AudioStream
) -> Iterator[av.AudioFrame]:
    bad_packets = 0
    seconds = 0.0
    try:
        for packet in container.demux(stream):
            try:
                frames = packet.decode()
            except av.FFmpegError as exc:
                bad_packets += 1
                if bad_packets > _MAX_BAD_PACKETS:
                    raise UnsupportedMedia(_damaged(seconds)) from exc
                continue
            for frame in frames:
                if frame.time is not None:
                    seconds = frame.time
                yield frame
    except av.FFmpegError as exc:  # the demuxer itself gave up
        raise UnsupportedMedia(_damaged(seconds)) from exc


def _silence(samples: int) -> Iterator[bytes]:
    # In one-second pieces: a bogus timestamp jump of hours must not become one huge buffer.
    while samples > 0:
        piece = min(samples, SAMPLE_RATE)
        yield bytes(piece * SAMPLE_WIDTH)
        samples -= piece


def _damaged(seconds: float) -> str:
    return (
        f"The audio could not be decoded after {seconds:.1f} seconds; "
        "the file looks damaged or truncated."
    )


class _MonoConverter:
    """Downmixes and resamples frames to 16 kHz mono s16le, whatever format they arrive in."""

    def __init__(self) -> None:
        self._resampler: av.AudioResampler | None = None
        self._source: tuple[str, str, int] | None = None

    def convert(self, frame: av.AudioFrame) -> Iterator[bytes]:
        source = (frame.format.name, frame.layout.name, frame.sample_rate)
        if self._resampler is None or source != self._source:
            # A stream may change rate or layout mid-way (joined MP3s, some broadcasts),
            # and a resampler is bound to one input format.
            yield from self.flush()
            self._resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            self._source = source
        yield from _frames_to_bytes(self._resampler.resample(frame))

    def flush(self) -> Iterator[bytes]:
        if self._resampler is not None:
            yield from _frames_to_bytes(self._resampler.resample(None))
            self._resampler = None


def _frames_to_bytes(frames: list[av.AudioFrame]) -> Iterator[bytes]:
    for frame in frames:
        if frame.samples:
            # to_ndarray trims the plane's alignment padding; '<i2' pins little-endian.
            yield frame.to_ndarray().astype("<i2", copy=False).tobytes()
