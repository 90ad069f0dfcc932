"""Offline speaker diarization for the local engine: pure numpy, no models to download.

Speech regions (from voice activity detection) are cut into windows of a couple of
seconds. Each window is summarised by two things that say more about *who* is talking
than *what* is said: the average MFCC spectrum of its voiced frames (vowels carry the
vocal tract's shape; fricatives and silence mostly carry the words and the room) and the
median pitch of those frames (it separates most men from most women on its own).
Windows are then merged bottom-up, closest centroids first, until the closest pair is
further apart than one speaker's own drift between sentences; no speaker count is
assumed. Each region takes the label that most of its voiced frames got.

It is deliberately modest: it tells apart voices that differ in pitch or timbre, and
keeps one speaker as one speaker, but two similar voices (say, two men in one meeting
room) often come out as one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

_SAMPLE_RATE = 16000
_FRAME_HOP = 160  # 10 ms
_SPECTRUM_FRAME = 400  # 25 ms
_NFFT = 512
_MEL_BANDS = 40
_CEPSTRA = 19  # c1..c19; c0 is loudness, which says more about the microphone
_PITCH_MIN_HZ = 70.0
_PITCH_MAX_HZ = 400.0
_PITCH_INTEGRATION = 400  # samples compared per lag (25 ms)
# YIN's absolute threshold: below it a frame counts as voiced. 0.2 keeps far-field
# meeting audio from losing most of its frames while still rejecting noise.
_VOICING_THRESHOLD = 0.2

_WINDOW_SECONDS = 1.5
# The clustering matrix is windows x windows, so very long inputs get longer windows
# instead of a bigger matrix.
_MAX_WINDOWS = 1000
_MIN_REGION_SECONDS = 0.3  # shorter regions borrow a neighbour's label
_MIN_VOICED_SECONDS = 0.1  # a window with less voiced speech than this cannot vote

# Distances are in units of "different speaker": spectral RMS difference (in standard
# deviations of the file's voiced frames) over _SPECTRAL_SCALE, and pitch difference in
# octaves over _PITCH_SCALE, added in quadrature. Measured on the fixtures in
# tests/test_diarization.py: one reader's sentences differ by up to ~0.5 spectrally and
# ~0.25 octave; men and women differ by ~1 octave.
_SPECTRAL_SCALE = 0.8
_PITCH_SCALE = 0.45
# A centroid of little speech is noisy; this much squared distance per 1/second of
# voiced speech (on each side) is allowed for that noise before two clusters count as
# different speakers.
_NOISE_ALLOWANCE = 0.3


def speaker_labels(
    regions: Sequence[bytes], *, sample_rate: int = 16000, max_speakers: int = 8
) -> list[str]:
    """One label per speech region: "SPEAKER_00", "SPEAKER_01", ... by first appearance.

    ``regions`` are consecutive speech regions of one recording as signed 16-bit
    little-endian mono PCM at 16 kHz. The result is deterministic for the same input.
    """
    if sample_rate != _SAMPLE_RATE:
        raise ValueError("speaker_labels expects 16 kHz PCM.")
    if max_speakers < 1:
        raise ValueError("max_speakers must be at least 1.")
    if not regions:
        return []
    durations = [len(pcm) // 2 for pcm in regions]
    window = max(int(_WINDOW_SECONDS * sample_rate), sum(durations) // _MAX_WINDOWS)

    windows = [
        (index, stats)
        for index, pcm in enumerate(regions)
        if durations[index] >= _MIN_REGION_SECONDS * sample_rate
        for stats in _window_stats(_samples(pcm), window)
        if stats.voiced * _FRAME_HOP >= _MIN_VOICED_SECONDS * sample_rate
    ]
    if not windows:
        return ["SPEAKER_00"] * len(regions)

    clusters = _cluster([stats for _, stats in windows], max_speakers)
    region_votes: dict[int, dict[int, int]] = {}
    for (index, stats), cluster in zip(windows, clusters, strict=True):
        votes = region_votes.setdefault(index, {})
        votes[cluster] = votes.get(cluster, 0) + stats.voiced
    voted = {
        index: max(sorted(votes), key=lambda c: votes[c]) for index, votes in region_votes.items()
    }
    return _number_by_appearance([_nearest_vote(voted, i) for i in range(len(regions))])


@dataclass(frozen=True)
class _WindowStats:
    voiced: int  # voiced frames
    cepstra_sum: FloatArray  # sum over voiced frames, shape (_CEPSTRA,)
    cepstra_square_sum: FloatArray
    log_pitch: float  # median log2 F0 of the voiced frames


def _samples(pcm: bytes) -> FloatArray:
    usable = len(pcm) - len(pcm) % 2
    return np.frombuffer(pcm[:usable], dtype="<i2").astype(np.float64) / 32768.0


def _window_stats(samples: FloatArray, window: int) -> list[_WindowStats]:
    """Voiced-frame statistics of a region cut into equal windows close to ``window`` long.

    Each window is analysed on its own so that memory stays bounded by the window, not
    the region; the ~40 ms lost at each cut does not matter for a summary.
    """
    count = max(1, round(len(samples) / window))
    bounds = np.linspace(0, len(samples), count + 1).round().astype(int)
    stats = []
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        cepstra, log_pitch, voiced = _frame_features(samples[start:end])
        chosen = cepstra[voiced]
        stats.append(
            _WindowStats(
                voiced=len(chosen),
                cepstra_sum=chosen.sum(axis=0),
                cepstra_square_sum=(chosen**2).sum(axis=0),
                log_pitch=float(np.median(log_pitch[voiced])) if len(chosen) else 0.0,
            )
        )
    return stats


def _frame_features(samples: FloatArray) -> tuple[FloatArray, FloatArray, npt.NDArray[np.bool_]]:
    """MFCCs, log2 pitch and a voicing flag on one 10 ms grid.

    Both analyses look at the same span of each frame: the pitch search needs the
    integration window plus the longest lag, and the spectrum uses its middle 25 ms.
    """
    max_lag = int(_SAMPLE_RATE / _PITCH_MIN_HZ)
    span = _PITCH_INTEGRATION + max_lag
    count = max(0, 1 + (len(samples) - span) // _FRAME_HOP)
    starts = _FRAME_HOP * np.arange(count)
    frames = samples[starts[:, None] + np.arange(span)[None, :]]
    offset = (span - _SPECTRUM_FRAME) // 2
    log_pitch, voiced = _pitch(frames, max_lag)
    return _cepstra(frames[:, offset : offset + _SPECTRUM_FRAME]), log_pitch, voiced


def _cepstra(frames: FloatArray) -> FloatArray:
    emphasized = np.concatenate([frames[:, :1], frames[:, 1:] - 0.97 * frames[:, :-1]], axis=1)
    power = np.abs(np.fft.rfft(emphasized * _HAMMING, _NFFT)) ** 2
    log_mel = np.log(power @ _MEL_FILTERS.T + 1e-10)
    result: FloatArray = log_mel @ _DCT.T
    return result


def _pitch(frames: FloatArray, max_lag: int) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """YIN (de Cheveigné & Kawahara, 2002) without the parabolic refinement.

    Taking the *first* dip under the threshold, not the deepest, is what keeps it from
    reporting half the pitch, the usual failure of plain autocorrelation.
    """
    n, span = frames.shape
    width = _PITCH_INTEGRATION
    size = 1 << (span - 1).bit_length()
    head = np.fft.rfft(frames[:, :width], size)
    whole = np.fft.rfft(frames, size)
    cross = np.fft.irfft(np.conj(head) * whole, size)[:, : max_lag + 1]
    energy = np.concatenate([np.zeros((n, 1)), np.cumsum(frames**2, axis=1)], axis=1)
    lags = np.arange(max_lag + 1)
    shifted_energy = energy[:, lags + width] - energy[:, lags]
    difference = energy[:, width : width + 1] + shifted_energy - 2.0 * cross
    difference[:, 0] = 0.0
    running_mean = np.cumsum(difference[:, 1:], axis=1) / lags[1:]
    normalized = difference[:, 1:] / np.maximum(running_mean, 1e-12)

    min_lag = int(_SAMPLE_RATE / _PITCH_MAX_HZ)
    search = normalized[:, min_lag - 1 :]  # column k is lag min_lag + k
    below = search < _VOICING_THRESHOLD
    first_dip = below.argmax(axis=1)
    # Walk from the first crossing down to the bottom of that dip.
    rising = np.concatenate([search[:, 1:] >= search[:, :-1], np.ones((n, 1), dtype=bool)], axis=1)
    rising &= np.arange(search.shape[1])[None, :] >= first_dip[:, None]
    bottom = rising.argmax(axis=1)
    depth = search[np.arange(n), bottom]
    loud = energy[:, width] > 1e-6 * width  # about -60 dBFS
    # A dip still falling at the longest lag is mains hum or rumble, not a voice.
    inside = bottom < search.shape[1] - 1
    voiced: npt.NDArray[np.bool_] = below.any(axis=1) & (depth < _VOICING_THRESHOLD) & loud & inside
    log_pitch: FloatArray = np.log2(_SAMPLE_RATE / (bottom + min_lag))
    return log_pitch, voiced


def _cluster(windows: list[_WindowStats], max_speakers: int) -> list[int]:
    """Centroid-linkage agglomerative clustering with a distance threshold."""
    weights = np.array([w.voiced for w in windows], dtype=np.float64)
    sums = np.array([w.cepstra_sum for w in windows])
    squares = np.array([w.cepstra_square_sum for w in windows])
    # Normalise by the file's own voiced-frame statistics so the threshold does not
    # depend on the microphone's level or colouring.
    mean = sums.sum(axis=0) / weights.sum()
    std = np.sqrt(np.maximum(squares.sum(axis=0) / weights.sum() - mean**2, 1e-8))
    spectra = (sums / weights[:, None] - mean) / std / _SPECTRAL_SCALE / np.sqrt(_CEPSTRA)
    pitches = np.array([w.log_pitch for w in windows]) / _PITCH_SCALE
    points = np.column_stack([spectra, pitches])
    seconds = weights * _FRAME_HOP / _SAMPLE_RATE

    n = len(windows)
    members = list(range(n))  # each window's current cluster (the lowest merged index)
    alive = np.ones(n, dtype=bool)
    distance = np.full((n, n), np.inf)
    for i in range(n):
        distance[i, i + 1 :] = _merge_cost(points, seconds, i, slice(i + 1, n))
        distance[i + 1 :, i] = distance[i, i + 1 :]
    clusters = n
    while clusters > 1:
        flat = int(np.argmin(distance))
        i, j = divmod(flat, n)
        if distance[i, j] >= 0.0 and clusters <= max_speakers:
            break
        # Keep the lower index so that the result does not depend on tie order.
        keep, gone = min(i, j), max(i, j)
        total = seconds[keep] + seconds[gone]
        points[keep] = (points[keep] * seconds[keep] + points[gone] * seconds[gone]) / total
        seconds[keep] = total
        alive[gone] = False
        distance[gone, :] = np.inf
        distance[:, gone] = np.inf
        members = [keep if m == gone else m for m in members]
        row = _merge_cost(points, seconds, keep, slice(0, n))
        row[~alive] = np.inf
        row[keep] = np.inf
        distance[keep, :] = row
        distance[:, keep] = row
        clusters -= 1
    return members


def _merge_cost(points: FloatArray, seconds: FloatArray, i: int, others: slice) -> FloatArray:
    """Negative when clusters ``i`` and ``others`` are close enough to be one speaker."""
    squared = ((points[others] - points[i]) ** 2).sum(axis=1)
    noise = _NOISE_ALLOWANCE * (1.0 / seconds[others] + 1.0 / seconds[i])
    cost: FloatArray = squared - 1.0 - noise
    return cost


def _nearest_vote(voted: dict[int, int], index: int) -> int:
    """The region's own vote, else the nearest voting region's (the earlier one on a tie)."""
    if index in voted:
        return voted[index]
    if not voted:
        return 0
    nearest = min(voted, key=lambda other: (abs(other - index), other))
    return voted[nearest]


def _number_by_appearance(clusters: list[int]) -> list[str]:
    numbers: dict[int, int] = {}
    return [f"SPEAKER_{numbers.setdefault(c, len(numbers)):02d}" for c in clusters]


def _mel_filters() -> FloatArray:
    def to_mel(hz: FloatArray) -> FloatArray:
        result: FloatArray = 2595.0 * np.log10(1.0 + hz / 700.0)
        return result

    def to_hz(mel: FloatArray) -> FloatArray:
        result: FloatArray = 700.0 * (10.0 ** (mel / 2595.0) - 1.0)
        return result

    # 60-7600 Hz: below is mains hum and desk thumps, above is the telephone-free top
    # octave that many uploads have already lost to MP3 encoding.
    edges = to_hz(np.linspace(to_mel(np.array(60.0)), to_mel(np.array(7600.0)), _MEL_BANDS + 2))
    bins = np.fft.rfftfreq(_NFFT, 1 / _SAMPLE_RATE)
    filters = np.zeros((_MEL_BANDS, len(bins)))
    for band in range(_MEL_BANDS):
        low, centre, high = edges[band : band + 3]
        rising = (bins - low) / (centre - low)
        falling = (high - bins) / (high - centre)
        filters[band] = np.clip(np.minimum(rising, falling), 0.0, None)
    return filters


def _dct_matrix() -> FloatArray:
    bands = np.arange(_MEL_BANDS)
    orders = np.arange(1, _CEPSTRA + 1)[:, None]
    result: FloatArray = np.sqrt(2.0 / _MEL_BANDS) * np.cos(
        np.pi * orders * (2 * bands + 1) / (2 * _MEL_BANDS)
    )
    return result


_MEL_FILTERS = _mel_filters()
_DCT = _dct_matrix()
_HAMMING = np.hamming(_SPECTRUM_FRAME)
