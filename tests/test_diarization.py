"""The local engine's diarizer, on real recordings from ../shared/audio.

The project's voice activity detection is built elsewhere, so speech regions are cut
here: fixed slices of single-speaker files, each channel's speech of the stereo file,
and the reference turns of the AMI meeting clips.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np
import numpy.typing as npt
import pytest

from jobs.engines.diarization import speaker_labels

AUDIO = Path(
    os.environ.get("HARK_SHARED_AUDIO", Path(__file__).resolve().parents[2] / "shared" / "audio")
)
RATE = 16000
LIBRIVOX = ["0870", "0880", "0890", "0920", "0930"]


def decode(name: str, *, channel: int | None = None) -> npt.NDArray[np.int16]:
    """16 kHz s16 samples of one file: mixed to mono, or one channel of a stereo file."""
    layout = "mono" if channel is None else "stereo"
    resampler = av.AudioResampler(format="s16", layout=layout, rate=RATE)
    chunks: list[npt.NDArray[np.int16]] = []
    with av.open(str(AUDIO / name)) as container:
        # Resampling None at the end flushes what the resampler still holds.
        for frame in itertools.chain(container.decode(audio=0), [None]):
            chunks.extend(np.asarray(f.to_ndarray(), np.int16) for f in resampler.resample(frame))
    samples = np.concatenate(chunks, axis=1).reshape(-1)
    if channel is not None:
        samples = samples.reshape(-1, 2)[:, channel]
    return np.ascontiguousarray(samples, dtype="<i2")


def region(samples: npt.NDArray[np.int16], start: float, end: float) -> bytes:
    return samples[round(start * RATE) : round(end * RATE)].tobytes()


def slices(samples: npt.NDArray[np.int16], seconds: float) -> list[bytes]:
    count = max(1, int(len(samples) / RATE / seconds))
    return [region(samples, i * seconds, (i + 1) * seconds) for i in range(count)]


def single_speaker_turns(name: str) -> list[tuple[float, float, str]]:
    """The parts of an RTTM's reference turns where exactly one person speaks."""
    turns = []
    for line in (AUDIO / name).read_text().splitlines():
        fields = line.split()
        start, duration = float(fields[3]), float(fields[4])
        turns.append((round(start, 3), round(start + duration, 3), fields[7]))
    edges = sorted({t for start, end, _ in turns for t in (start, end)})
    pieces: list[tuple[float, float, str]] = []
    for start, end in itertools.pairwise(edges):
        active = {speaker for s, e, speaker in turns if s <= start and e >= end}
        if len(active) != 1:
            continue
        (speaker,) = active
        if pieces and pieces[-1][1] == start and pieces[-1][2] == speaker:
            pieces[-1] = (pieces[-1][0], end, speaker)
        else:
            pieces.append((start, end, speaker))
    return pieces


def mapped_accuracy(labels: Sequence[str], truth: Sequence[str], seconds: Sequence[float]) -> float:
    """Share of speech time labelled right under the best one-to-one label mapping."""
    overlap: dict[tuple[str, str], float] = {}
    for label, true, weight in zip(labels, truth, seconds, strict=True):
        overlap[label, true] = overlap.get((label, true), 0.0) + weight
    ours, theirs = sorted(set(labels)), sorted(set(truth))
    # Try every pairing of the smaller label set with part of the larger one: a few
    # thousand at most for eight labels against four people.
    if len(ours) <= len(theirs):
        pairings = (
            zip(ours, chosen, strict=True) for chosen in itertools.permutations(theirs, len(ours))
        )
    else:
        pairings = (
            zip(chosen, theirs, strict=True) for chosen in itertools.permutations(ours, len(theirs))
        )
    best = max(sum(overlap.get(pair, 0.0) for pair in pairing) for pairing in pairings)
    return best / sum(seconds)


def ami(name: str) -> tuple[list[bytes], list[str], list[float]]:
    samples = decode(f"{name}.wav")
    turns = single_speaker_turns(f"{name}.rttm")
    regions = [region(samples, start, end) for start, end, _ in turns]
    return regions, [speaker for *_, speaker in turns], [end - start for start, end, _ in turns]


def test_a_single_reader_is_one_speaker() -> None:
    regions = [r for code in LIBRIVOX for r in slices(decode(f"librivox_ss01_{code}.wav"), 2.0)]

    assert speaker_labels(regions) == ["SPEAKER_00"] * len(regions)


def test_a_speech_with_a_crowd_and_shifting_pitch_is_one_speaker() -> None:
    regions = slices(decode("jfk.flac"), 2.2)

    assert speaker_labels(regions) == ["SPEAKER_00"] * len(regions)


def test_two_voices_on_separate_channels_get_two_labels() -> None:
    # Each channel's speech is one region. Cut into 1-second pieces this 5-second file is
    # not separable by pitch and timbre: the left speaker sweeps 80-167 Hz, across the
    # right speaker's 100-150 Hz, and each piece has only ~0.3 s of voiced speech.
    left = decode("stereo_diarization.wav", channel=0)
    right = decode("stereo_diarization.wav", channel=1)

    labels = speaker_labels([region(left, 0.2, 4.8), region(right, 0.3, 2.5)])

    assert labels == ["SPEAKER_00", "SPEAKER_01"]


def test_alternating_speakers_keep_their_labels() -> None:
    reader = np.concatenate([decode(f"librivox_ss01_{code}.wav") for code in LIBRIVOX])
    president = decode("jfk.flac")
    pairs = zip(slices(reader, 2.0)[:5], slices(president, 2.0), strict=True)
    regions = [r for pair in pairs for r in pair]

    labels = speaker_labels(regions)

    assert labels == ["SPEAKER_00", "SPEAKER_01"] * (len(regions) // 2)


def test_it_finds_the_speakers_of_a_meeting() -> None:
    regions, truth, seconds = ami("ami_debug_tst00")

    labels = speaker_labels(regions)

    # Measured: 0.63 with two labels. Its two men and two women are told apart by sex
    # only, so the best one-to-one mapping scores one man and one woman; one label for
    # everything would score 0.36 and a new label per turn 0.59. The margin allows for
    # float differences between machines, not for a weaker method.
    assert mapped_accuracy(labels, truth, seconds) >= 0.60
    # Measured: 0.91 when a man counts as any man (AMI ids start with M or F). The one
    # miss is a 0.8 s turn of MEE071 with ~0.1 s of voiced speech at a woman's pitch;
    # 0.85 would still fail if one more turn of a second or so went to the wrong side.
    by_sex = [speaker[0] for speaker in truth]
    assert mapped_accuracy(labels, by_sex, seconds) >= 0.85


def test_a_long_turn_among_short_ones_gets_its_own_speaker() -> None:
    regions, truth, seconds = ami("ami_debug_tst01")

    labels = speaker_labels(regions)

    # Measured: 0.79. Four of the five turns are 0.35-0.54 s (0.1-0.2 s voiced), too
    # little to place; one label for everything would score 0.72.
    assert mapped_accuracy(labels, truth, seconds) >= 0.75


def test_no_regions_gives_no_labels() -> None:
    assert speaker_labels([]) == []


def test_short_regions_take_the_label_of_the_nearest_region() -> None:
    reader = decode("librivox_ss01_0870.wav")
    president = decode("jfk.flac")
    regions = [
        region(reader, 0.0, 7.0),
        region(reader, 0.0, 0.2),
        region(president, 0.0, 0.1),
        region(president, 0.0, 11.0),
    ]

    assert speaker_labels(regions) == ["SPEAKER_00", "SPEAKER_00", "SPEAKER_01", "SPEAKER_01"]


def test_only_unusable_regions_are_one_speaker() -> None:
    silence = bytes(RATE)  # 0.5 s of digital silence: long enough, nothing voiced
    regions = [b"", b"\x01", bytes(2000), silence]

    assert speaker_labels(regions) == ["SPEAKER_00"] * 4


def test_max_speakers_caps_the_number_of_labels() -> None:
    regions, _, _ = ami("ami_debug_tst00")

    assert set(speaker_labels(regions, max_speakers=1)) == {"SPEAKER_00"}


def test_the_same_audio_always_gets_the_same_labels() -> None:
    regions, _, _ = ami("ami_debug_tst00")

    assert speaker_labels(regions) == speaker_labels(list(regions))


def test_it_refuses_audio_at_another_sample_rate() -> None:
    with pytest.raises(ValueError, match="16 kHz"):
        speaker_labels([bytes(16000)], sample_rate=8000)


def test_it_runs_far_faster_than_real_time() -> None:
    samples = decode("multilingual.mp3")
    regions = slices(samples, 5.0)

    started = time.perf_counter()
    speaker_labels(regions)
    elapsed = time.perf_counter() - started

    # Measured: 0.25-0.35 s for this minute on 2 busy cores (0.005 x real time); the
    # budget is 0.05 x real time, so only a real slowdown trips this.
    assert elapsed < 0.05 * len(samples) / RATE
