"""Decide from a file's content alone whether it is audio we accept, and describe it.

The upload form and the API call ``probe`` before anything is queued, so a customer hears
"this is not audio we can read" at once instead of after a failed job. File names and
MIME types are never consulted: browsers and clients get both wrong, and FFmpeg itself
would happily read a file called ``*.raw`` as a picture.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import av
import numpy as np

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

ACCEPTED = "Upload MP3, WAV, M4A, FLAC, OGG/Opus, WebM or the audio track of an MP4."

# FFmpeg demuxer name → the name we report. Anything FFmpeg can open but that is not in
# this list is refused: FFmpeg knows hundreds of formats, and some will "successfully"
# read random bytes as a video or a subtitle file.
CONTAINERS: dict[str, str] = {
    "wav": "wav",
    "mp3": "mp3",
    "flac": "flac",
    "ogg": "ogg",
    "mov,mp4,m4a,3gp,3g2,mj2": "mp4",
    "matroska,webm": "matroska",  # WebM is a subset of Matroska; FFmpeg does not tell them apart
    "aac": "aac",
}

# How much of a rejected file is inspected to tell headerless PCM from other data.
_RAW_SNIFF_BYTES = 64 * 1024
_RAW_MIN_BYTES = 3200  # 0.1 s of 16 kHz s16 mono; less than that proves nothing
# Neighbouring samples of real audio are strongly correlated (about 0.9 for the 16 kHz
# speech here); random bytes, text, images and compressed audio score near 0-0.2.
_RAW_MIN_CORRELATION = 0.6


@dataclass(frozen=True)
class MediaInfo:
    container: str
    codec: str
    duration: float
    channels: int
    sample_rate: int


class UnsupportedMedia(Exception):
    """The file is not audio we can read; ``message`` is written for the customer."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextmanager
def open_media(path: Path) -> Iterator[av.container.InputContainer]:
    """Open ``path`` with PyAV, letting FFmpeg judge the content and never the file name."""
    # FFmpeg adds points for a matching extension when it guesses the format (which is how
    # goforward.raw becomes an "image2" picture); a nameless file object hides the name.
    # PyAV does not close a file object it was given, hence the ``handle`` context.
    with path.open("rb") as handle, av.open(_Nameless(handle), mode="r") as container:
        yield container


def probe(path: Path) -> MediaInfo:
    """Describe the first audio stream of ``path`` or raise ``UnsupportedMedia``."""
    try:
        if path.stat().st_size == 0:
            raise UnsupportedMedia("This file is empty. " + ACCEPTED)
        with open_media(path) as container:
            return _describe(container, path)
    except av.FFmpegError:
        raise UnsupportedMedia(_unreadable_message(path)) from None
    except OSError:
        raise UnsupportedMedia("The uploaded file could not be read.") from None


def _describe(container: av.container.InputContainer, path: Path) -> MediaInfo:
    container_name = CONTAINERS.get(container.format.name)
    if container_name is None:
        raise UnsupportedMedia(_unreadable_message(path))
    if not container.streams.audio:
        if container.streams.video:
            raise UnsupportedMedia(
                "This video has no audio track, so there is nothing to transcribe."
            )
        raise UnsupportedMedia(_unreadable_message(path))
    stream = container.streams.audio[0]
    context = stream.codec_context
    if context is None or not context.sample_rate or not context.channels:
        raise UnsupportedMedia(
            "The audio in this file uses an encoding we cannot decode. " + ACCEPTED
        )
    duration = _duration(container, stream)
    if duration <= 0:
        raise UnsupportedMedia("This file contains no audio (its length is zero).")
    return MediaInfo(
        container=container_name,
        codec=context.name,
        duration=duration,
        channels=context.channels,
        sample_rate=context.sample_rate,
    )


def _duration(container: av.container.InputContainer, stream: av.AudioStream) -> float:
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / av.time_base
    # Files written as a stream (a browser's MediaRecorder WebM, live recorders) carry no
    # length. Packet durations are in the container, so counting them needs no decoding:
    # about 0.1 s for ten minutes of Opus, against milliseconds when a length is stored.
    total = sum(packet.duration or 0 for packet in container.demux(stream))
    return float(total * stream.time_base) if stream.time_base else 0.0


def _unreadable_message(path: Path) -> str:
    if _looks_like_raw_pcm(path):
        return (
            "This looks like raw audio without a header (headerless PCM), so its sample "
            "rate and format are unknown. Convert it to WAV and upload that. " + ACCEPTED
        )
    return "This file is not audio we can read. " + ACCEPTED


def _looks_like_raw_pcm(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(_RAW_SNIFF_BYTES)
    except OSError:
        return False
    head = head[: len(head) // 2 * 2]
    if len(head) < _RAW_MIN_BYTES:
        return False
    samples = np.frombuffer(head, dtype="<i2").astype(np.float64)
    samples -= samples.mean()
    energy = float(np.dot(samples, samples))
    if energy == 0.0:
        return False
    correlation = float(np.dot(samples[1:], samples[:-1])) / energy
    return correlation >= _RAW_MIN_CORRELATION


class _Nameless(io.RawIOBase):
    """A read-only, seekable view of a file that has no name to guess a format from."""

    def __init__(self, handle: io.BufferedReader) -> None:
        super().__init__()
        self._handle = handle

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        return self._handle.readinto(buffer)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._handle.seek(offset, whence)

    def tell(self) -> int:
        return self._handle.tell()
