"""Where the shared real-speech recordings live, and helpers that build longer audio from them."""

from __future__ import annotations

import io
import os
import wave
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

import av
import av.container
import numpy as np

from jobs.engines.base import TranscriptionRequest, TranscriptionResult
from jobs.engines.local import LocalEngine
from jobs.media.decode import SAMPLE_RATE, SAMPLE_WIDTH, pcm_stream

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer as Buffer

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_AUDIO = Path(os.environ.get("HARK_SHARED_AUDIO", REPO_ROOT.parent / "shared" / "audio"))

# Clips with a human reference transcript, used to build long recordings of real speech.
SPEECH_CLIPS: tuple[str, ...] = (
    "jfk.flac",
    "librivox_ss01_0870.wav",
    "librivox_ss01_0880.wav",
    "librivox_ss01_0890.wav",
    "librivox_ss01_0920.wav",
    "librivox_ss01_0930.wav",
    "cards_001.wav",
    "cards_002.wav",
    "cards_003.wav",
    "cards_004.wav",
    "cards_005.wav",
)

_GAP_SECONDS = 0.5


def reference_text(name: str) -> str:
    """The reference transcript for a shared clip: ``jfk.flac`` or ``jfk`` → jfk.txt."""
    stem = name.rsplit(".", 1)[0] if name.endswith((".wav", ".flac", ".mp3", ".raw")) else name
    return (SHARED_AUDIO / f"{stem}.txt").read_text(encoding="utf-8").strip()


_transcripts: dict[tuple[Path, float, float | None], tuple[TranscriptionResult, list[float]]] = {}


def transcribe(
    path: Path, *, start: float = 0.0, end: float | None = None
) -> tuple[TranscriptionResult, list[float]]:
    """The local engine's result and progress reports for ``path``, computed once per run.

    Decoding is by far the slowest part of the suite, and several test modules look at the
    same transcript from different angles.
    """
    key = (path, start, end)
    if key not in _transcripts:
        progress: list[float] = []
        request = TranscriptionRequest(path=path, start=start, end=end)
        _transcripts[key] = (LocalEngine().transcribe(request, progress.append), progress)
    return _transcripts[key]


_whisper_results: dict[tuple[object, ...], TranscriptionResult] = {}


def whisper_transcribe(path: Path, *, diarization: bool = False) -> TranscriptionResult:
    """Whisper base's result for ``path`` (language detected), computed once per run for
    each engine configuration: a result computed while another test had shortened the
    chunks or changed the model is not the default engine's, and reusing it made the
    review tests' doubtful segments depend on which test ran first in the worker."""
    from django.conf import settings

    from jobs.engines.whisper import WhisperEngine

    key = (
        path,
        diarization,
        settings.HARK_LOCAL_CHUNK_SECONDS,
        settings.HARK_WHISPER_MODEL,
        settings.HARK_WHISPER_COMPUTE_TYPE,
    )
    if key not in _whisper_results:
        request = TranscriptionRequest(path=path, language="", diarization=diarization)
        _whisper_results[key] = WhisperEngine().transcribe(request, lambda _: None)
    return _whisper_results[key]


def concatenated_speech(seconds: float, dest: Path) -> Path:
    """Write about ``seconds`` of real speech to ``dest`` as a 16 kHz mono 16-bit WAV.

    The shared clips are played in turn with half a second of silence between them,
    repeating as needed, and written as they are decoded so that a three-hour file costs
    no more memory than a one-minute one. Returns ``dest``.
    """
    target = round(seconds * SAMPLE_RATE) * SAMPLE_WIDTH
    written = 0
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(SAMPLE_RATE)
        for block in _clips_with_gaps():
            block = block[: target - written]
            out.writeframesraw(block)
            written += len(block)
            if written >= target:
                break
    return dest


def clips_joined(names: Sequence[str], dest: Path, *, gap: float = 0.5) -> Path:
    """Write the shared clips ``names`` once each, in order and ``gap`` seconds apart, to
    ``dest`` as a 16 kHz mono 16-bit WAV (one recording whose reference is their
    references joined: see ``reference_text``). Returns ``dest``."""
    silence = bytes(round(gap * SAMPLE_RATE) * SAMPLE_WIDTH)
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(SAMPLE_RATE)
        for index, name in enumerate(names):
            if index:
                out.writeframesraw(silence)
            for block in pcm_stream(SHARED_AUDIO / name):
                out.writeframesraw(block)
    return dest


def _clips_with_gaps() -> Iterator[bytes]:
    gap = bytes(round(_GAP_SECONDS * SAMPLE_RATE) * SAMPLE_WIDTH)
    while True:
        for name in SPEECH_CLIPS:
            yield from pcm_stream(SHARED_AUDIO / name)
            yield gap


def transcode(
    source: Path,
    dest: Path,
    *,
    container: str,
    codec: str | None,
    rate: int = 48000,
    video: str | None = None,
    seekable: bool = True,
) -> Path:
    """Re-encode the audio of ``source`` into ``dest`` with PyAV, to test other containers.

    ``codec=None`` writes no audio track; ``video`` adds a short synthetic picture track
    (to make an MP4 "video with sound" or a silent video). ``seekable=False`` writes through
    a pipe-like object, as a live recorder or a streamed download would, so the muxer
    cannot go back to store the duration. Returns ``dest``.
    """
    with dest.open("wb") as handle:
        target = handle if seekable else _Pipe(handle)
        with av.open(target, mode="w", format=container) as out:
            audio = None
            if codec is not None:
                # Vorbis is the one encoder FFmpeg still marks experimental.
                stream = out.add_stream(
                    codec, rate=rate, layout="stereo", options={"strict": "experimental"}
                )
                assert isinstance(stream, av.AudioStream)
                audio = stream
            if video is not None:
                picture = out.add_stream(video, rate=10)
                assert isinstance(picture, av.VideoStream)
                picture.width, picture.height, picture.pix_fmt = 64, 48, "yuv420p"
                for index in range(110):  # 11 s, as long as jfk.flac
                    frame = av.VideoFrame.from_ndarray(
                        np.full((48, 64, 3), index * 2, np.uint8), format="rgb24"
                    )
                    frame.pts = index
                    out.mux(picture.encode(frame))
                out.mux(picture.encode(None))
            if audio is not None:
                _encode_audio(source, out, audio, rate)
    return dest


def _encode_audio(
    source: Path, out: av.container.OutputContainer, audio: av.AudioStream, rate: int
) -> None:
    encoder_format = audio.codec_context.format
    resampler = av.AudioResampler(
        format=encoder_format.name if encoder_format else "fltp", layout="stereo", rate=rate
    )
    with av.open(str(source)) as inp:
        for frame in inp.decode(audio=0):
            for converted in resampler.resample(frame):
                out.mux(audio.encode(converted))
    for converted in resampler.resample(None):
        out.mux(audio.encode(converted))
    out.mux(audio.encode(None))


def looped_webm(source: Path, dest: Path, *, repeats: int) -> Path:
    """Copy the audio packets of the WebM ``source`` ``repeats`` times into a streamed WebM.

    No re-encoding, so ten minutes take a fraction of a second to build; the result has no
    stored length, like a browser's MediaRecorder output. Returns ``dest``.
    """
    with (
        av.open(str(source)) as inp,
        dest.open("wb") as handle,
        av.open(_Pipe(handle), mode="w", format="webm") as out,
    ):
        template = inp.streams.audio[0]
        time_base = template.time_base
        assert time_base is not None
        stream = out.add_stream_from_template(template)
        # (pts, duration, payload) of every real packet; the final flush packet has no pts.
        packets = [
            (packet.pts, packet.duration or 0, bytes(packet))
            for packet in inp.demux(template)
            if packet.pts is not None
        ]
        span = packets[-1][0] + packets[-1][1]
        for repeat in range(repeats):
            for pts, duration, payload in packets:
                copy = av.Packet(payload)
                copy.pts = copy.dts = pts + repeat * span
                copy.duration, copy.time_base = duration, time_base
                copy.stream = stream
                out.mux(copy)
    return dest


class _Pipe(io.RawIOBase):
    def __init__(self, handle: BinaryIO) -> None:
        super().__init__()
        self._handle = handle

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, data: Buffer) -> int:
        return self._handle.write(data)
