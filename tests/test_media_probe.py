from __future__ import annotations

import random
import shutil
import struct
import time
import zlib
from collections.abc import Callable
from typing import Any

import av
import pytest

from jobs.media.probe import ACCEPTED, UnsupportedMedia, probe
from tests.audio_fixtures import SHARED_AUDIO, concatenated_speech, looped_webm, transcode

# The MP3 rows of the shared README give the length of all MP3 frames (11.09, 4.05,
# 59.95 s); FFmpeg reports the gapless length that the LAME header asks players to keep
# (11.0, 4.0, 59.9 s), which is what decoding actually yields. 0.1 s covers both.
DURATION_TOLERANCE = 0.1


@pytest.mark.parametrize(
    ("name", "container", "duration", "channels", "sample_rate"),
    [
        ("jfk.flac", "flac", 11.0, 2, 44100),
        ("jfk_whispercpp.mp3", "mp3", 11.09, 1, 16000),
        ("stereo_diarization.wav", "wav", 5.0, 2, 16000),
        ("multilingual.mp3", "mp3", 59.95, 1, 24000),
        ("hotwords.mp3", "mp3", 4.05, 2, 44100),
        ("ami_debug_tst00.wav", "wav", 30.0, 1, 16000),  # float32 samples
        ("librivox_ss01_0870.wav", "wav", 7.10, 1, 16000),
        ("librivox_ss01_0880.wav", "wav", 2.99, 1, 16000),
        ("librivox_ss01_0890.wav", "wav", 5.30, 1, 16000),
        ("librivox_ss01_0920.wav", "wav", 6.05, 1, 16000),
        ("librivox_ss01_0930.wav", "wav", 3.29, 1, 16000),
    ],
)
def test_each_shared_recording_probes_with_the_duration_its_readme_states(
    name, container, duration, channels, sample_rate
):
    info = probe(SHARED_AUDIO / name)

    assert info.container == container
    assert info.duration == pytest.approx(duration, abs=DURATION_TOLERANCE)
    assert (info.channels, info.sample_rate) == (channels, sample_rate)


@pytest.mark.parametrize("number", [1, 2, 3, 4, 5])
def test_the_short_card_commands_probe_between_one_and_three_and_a_half_seconds(number):
    info = probe(SHARED_AUDIO / f"cards_00{number}.wav")

    assert info.container == "wav"
    assert 1.0 <= info.duration <= 3.6


TRANSCODED: dict[str, dict[str, Any]] = {
    "m4a": {"container": "ipod", "codec": "aac"},
    "mp4 with video": {"container": "mp4", "codec": "aac", "video": "libx264"},
    "mov": {"container": "mov", "codec": "aac"},
    "ogg vorbis": {"container": "ogg", "codec": "vorbis", "rate": 44100},
    "ogg opus": {"container": "ogg", "codec": "libopus"},
    "webm opus with video": {"container": "webm", "codec": "libopus", "video": "libvpx"},
    "matroska flac": {"container": "matroska", "codec": "flac", "rate": 44100},
    "adts aac": {"container": "adts", "codec": "aac"},
    "streamed webm without a length": {"container": "webm", "codec": "libopus", "seekable": False},
}
EXPECTED = {
    "m4a": ("mp4", "aac"),
    "mp4 with video": ("mp4", "aac"),
    "mov": ("mp4", "aac"),
    "ogg vorbis": ("ogg", "vorbis"),
    "ogg opus": ("ogg", "opus"),
    "webm opus with video": ("matroska", "opus"),
    "matroska flac": ("matroska", "flac"),
    "adts aac": ("aac", "aac"),
    "streamed webm without a length": ("matroska", "opus"),
}


@pytest.mark.parametrize("variant", list(TRANSCODED))
def test_every_accepted_container_probes_with_the_length_of_its_source(variant, tmp_path):
    # Deliberately misleading names: only the content may decide.
    path = transcode(SHARED_AUDIO / "jfk.flac", tmp_path / "upload.bin", **TRANSCODED[variant])

    info = probe(path)

    assert (info.container, info.codec) == EXPECTED[variant]
    # ADTS AAC has no index, so FFmpeg estimates its length from the bit rate (10.96 s).
    assert info.duration == pytest.approx(11.0, abs=DURATION_TOLERANCE)
    assert info.channels == 2


def test_a_stream_that_stores_no_length_is_measured_by_counting_its_packets(tmp_path):
    path = transcode(
        SHARED_AUDIO / "jfk.flac",
        tmp_path / "rec.webm",
        container="webm",
        codec="libopus",
        seekable=False,
    )
    with av.open(str(path)) as container:
        assert container.duration is None
        assert container.streams.audio[0].duration is None

    assert probe(path).duration == pytest.approx(11.0, abs=DURATION_TOLERANCE)


def test_a_video_without_an_audio_track_is_refused_saying_so(tmp_path):
    path = transcode(
        SHARED_AUDIO / "jfk.flac",
        tmp_path / "clip.mp4",
        container="mp4",
        codec=None,
        video="libx264",
    )

    with pytest.raises(UnsupportedMedia) as refused:
        probe(path)

    assert refused.value.message == (
        "This video has no audio track, so there is nothing to transcribe."
    )


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + bytes((x * y) % 256 for x in range(48)) for y in range(16))
    header = struct.pack(">IIBBBBB", 16, 16, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


NOT_AUDIO: dict[str, Callable[[], bytes]] = {
    "text": lambda: (SHARED_AUDIO / "README.md").read_bytes(),
    "png": _png,
    "random bytes": lambda: random.Random(7).randbytes(64 * 1024),
}


@pytest.mark.parametrize("kind", list(NOT_AUDIO))
@pytest.mark.parametrize("filename", ["upload", "upload.mp3", "upload.wav"])
def test_files_that_are_not_audio_are_refused_listing_what_is_accepted(kind, filename, tmp_path):
    path = tmp_path / filename
    path.write_bytes(NOT_AUDIO[kind]())

    with pytest.raises(UnsupportedMedia) as refused:
        probe(path)

    assert refused.value.message == "This file is not audio we can read. " + ACCEPTED
    assert "MP3, WAV, M4A, FLAC, OGG/Opus, WebM" in refused.value.message


def test_an_empty_file_is_refused_as_empty(tmp_path):
    path = tmp_path / "empty.mp3"
    path.touch()

    with pytest.raises(UnsupportedMedia) as refused:
        probe(path)

    assert refused.value.message == "This file is empty. " + ACCEPTED


@pytest.mark.parametrize("filename", ["goforward.raw", "goforward.wav", "goforward"])
def test_headerless_pcm_is_refused_with_advice_to_convert_it_to_wav(filename, tmp_path):
    # Opened by name, FFmpeg reads *.raw as an "image2" picture; it must not get that far.
    path = tmp_path / filename
    shutil.copyfile(SHARED_AUDIO / "goforward.raw", path)

    with pytest.raises(UnsupportedMedia) as refused:
        probe(path)

    assert "raw audio without a header" in refused.value.message
    assert "Convert it to WAV" in refused.value.message
    assert refused.value.message.endswith(ACCEPTED)


def test_a_real_recording_with_a_wrong_extension_is_still_accepted(tmp_path):
    path = tmp_path / "notes.txt"
    shutil.copyfile(SHARED_AUDIO / "jfk.flac", path)

    assert probe(path).container == "flac"


def test_probing_a_ten_minute_recording_takes_milliseconds(tmp_path):
    path = concatenated_speech(600, tmp_path / "ten.wav")

    started = time.perf_counter()
    info = probe(path)
    elapsed = time.perf_counter() - started

    assert info.duration == pytest.approx(600.0)
    assert elapsed < 0.05


def test_counting_packets_of_ten_minutes_without_a_stored_length_stays_well_under_a_second(
    tmp_path,
):
    # Measured at about 0.17 s on the development machine; the margin is for slow CI.
    short = transcode(
        SHARED_AUDIO / "jfk.flac", tmp_path / "short.webm", container="webm", codec="libopus"
    )
    path = looped_webm(short, tmp_path / "long.webm", repeats=55)  # 10 min 5 s

    started = time.perf_counter()
    info = probe(path)
    elapsed = time.perf_counter() - started

    assert info.duration == pytest.approx(605.4, abs=0.5)
    assert elapsed < 1.0
