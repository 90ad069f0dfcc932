"""Offline speaker diarization for the local engine: pure numpy, no models to download.

Speech regions (from voice activity detection) are cut into windows of a couple of
seconds. Each window is summarised by two things that say more about *who* is talking
than *what* is said: the average MFCC spectrum of its voiced frames (vowels carry the
vocal tract's shape; fricatives and silence mostly carry the words and the room) and the
median pitch of those frames (it separates most men from most women on its own).
Windows are then merged bottom-up, closest centroids first, until the closest pair is
further apart than one speaker's own drift between sentences; no speaker count is
assumed. Each region takes the label that most of its voiced frames got.

The same voice statistics and distance link the speakers of separately diarized
pieces of one recording (``voice_clusters``; see ``jobs.services.speaker_linking``).

It is deliberately modest: it tells apart voices that differ in pitch or timbre, and
keeps one speaker as one speaker, but two similar voices (say, two men in one meeting
room) often come out as one.
"""

from __future__ import annotations

import itertools
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
Float32Array = npt.NDArray[np.float32]

_SAMPLE_RATE = 16000
# Speaker statistics over seconds of speech gain nothing from a finer grid than 20 ms.
_FRAME_HOP = 320
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
# The clustering matrix is windows x windows (8 MB at 1000); longer recordings are
# clustered in blocks of this many windows (25 minutes of speech).
_MAX_BLOCK = 1000
_MIN_REGION_SECONDS = 0.3  # shorter regions borrow a neighbour's label
_MIN_VOICED_SECONDS = 0.1  # a window with less voiced speech than this cannot vote

# Distances are in units of "different speaker": spectral RMS difference (in standard
# deviations of the file's voiced frames) over _SPECTRAL_SCALE, and pitch difference in
# octaves over _PITCH_SCALE, added in quadrature. Measured on ../shared/audio: the two
# halves of one speaker's recording (the LibriVox reader, JFK, the English and German
# halves of multilingual.mp3) differ by up to ~0.5 spectrally and ~0.25 octave; the men
# and the women of the AMI meeting clips by 0.7-1.2 octaves.
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
    little-endian mono PCM at 16 kHz. See ``SpeakerTracker`` for the rules.
    """
    if sample_rate != _SAMPLE_RATE:
        raise ValueError("speaker_labels expects 16 kHz PCM.")
    tracker = SpeakerTracker(max_speakers=max_speakers)
    for pcm in regions:
        tracker.add(pcm)
    return tracker.labels()


class SpeakerTracker:
    """Labels a recording's speech regions, fed one region at a time.

    Only small per-window statistics are kept, never the audio, so an engine can
    diarize a three-hour file while its memory stays flat. A region counts as one
    speaker: if the speaker changes inside it, it goes to whoever has more voiced speech
    there. Regions under 0.3 s, or with too little voiced speech to judge, take the label
    of the nearest region that has one. At most ``max_speakers`` labels are used; the
    result is deterministic for the same input.
    """

    def __init__(self, *, max_speakers: int = 8) -> None:
        if max_speakers < 1:
            raise ValueError("max_speakers must be at least 1.")
        self.max_speakers = max_speakers
        self._regions = 0
        self._windows: list[tuple[int, VoiceWindow]] = []

    def add(self, pcm: bytes) -> None:
        index = self._regions
        self._regions += 1
        self._windows.extend((index, stats) for stats in voice_windows(pcm))

    def labels(self) -> list[str]:
        if not self._regions:
            return []
        if not self._windows:
            return ["SPEAKER_00"] * self._regions
        points, seconds = _points([stats for _, stats in self._windows])
        clusters = _cluster(points, seconds, self.max_speakers)
        region_votes: dict[int, dict[int, int]] = {}
        for (index, stats), cluster in zip(self._windows, clusters, strict=True):
            votes = region_votes.setdefault(index, {})
            votes[cluster] = votes.get(cluster, 0) + stats.voiced
        voted = {
            index: max(sorted(votes), key=lambda c: votes[c])
            for index, votes in region_votes.items()
        }
        return _number_by_appearance([_nearest_vote(voted, i) for i in range(self._regions)])


def voice_windows(pcm: bytes) -> list[VoiceWindow]:
    """The usable windows of one stretch of one speaker's speech (16 kHz s16le PCM).

    A stretch under 0.3 s, and a window with too little voiced speech to judge, give
    nothing. Only these small statistics need keeping, not the audio.
    """
    if len(pcm) < 2 * _MIN_REGION_SECONDS * _SAMPLE_RATE:
        return []
    window = int(_WINDOW_SECONDS * _SAMPLE_RATE)
    return [
        stats
        for stats in _window_stats(_samples(pcm), window)
        if stats.voiced * _FRAME_HOP >= _MIN_VOICED_SECONDS * _SAMPLE_RATE
    ]


def voice_clusters(
    voices: Sequence[Sequence[VoiceWindow]], *, apart: Sequence[Hashable]
) -> list[int | None]:
    """Which of ``voices`` are the same person: a cluster id for each, None for one
    without usable windows.

    Each entry is already known to be one speaker (say, one label of one diarized
    request), so it is placed as a whole by the weighted centroid of its windows, with
    the same distance and stopping rule as ``SpeakerTracker``. Two entries with equal
    ``apart`` keys are known to be different people and never end up together. Ids are
    the index of a cluster's first entry; no speaker count is assumed.
    """
    if len(apart) != len(voices):
        raise ValueError("voice_clusters needs one apart key per voice.")
    usable = [i for i, windows in enumerate(voices) if windows]
    result: list[int | None] = [None] * len(voices)
    if not usable:
        return result
    points, seconds = _points([w for i in usable for w in voices[i]])
    centroids, weights = [], []
    bounds = np.cumsum([0] + [len(voices[i]) for i in usable])
    for first, last in itertools.pairwise(bounds):
        weight = seconds[first:last]
        centroids.append((points[first:last] * weight[:, None]).sum(axis=0) / weight.sum())
        weights.append(float(weight.sum()))
    clusters = _agglomerate(
        np.array(centroids), np.array(weights), len(usable), apart=[apart[i] for i in usable]
    )
    for i, cluster in zip(usable, clusters, strict=True):
        result[i] = usable[cluster]
    return result


@dataclass(frozen=True)
class VoiceWindow:
    """One window's voiced-frame statistics: what is kept of the audio."""

    voiced: int  # voiced frames
    cepstra_sum: FloatArray  # sum over voiced frames, shape (_CEPSTRA,)
    cepstra_square_sum: FloatArray
    log_pitch: float  # median log2 F0 of the voiced frames


def _samples(pcm: bytes) -> Float32Array:
    usable = len(pcm) - len(pcm) % 2
    # Single precision halves the FFT time; 24 bits are plenty for 16-bit audio.
    return np.frombuffer(pcm[:usable], dtype="<i2").astype(np.float32) / np.float32(32768.0)


def _window_stats(samples: Float32Array, window: int) -> list[VoiceWindow]:
    """Voiced-frame statistics of a region cut into equal windows close to ``window`` long.

    Each window is analysed on its own so that memory stays bounded by the window, not
    the region; the few tens of ms lost at each cut do not matter for a summary.
    """
    count = max(1, round(len(samples) / window))
    bounds = np.linspace(0, len(samples), count + 1).round().astype(int)
    stats = []
    for start, end in itertools.pairwise(bounds):
        cepstra, log_pitch = _voiced_features(samples[start:end])
        stats.append(
            VoiceWindow(
                voiced=len(cepstra),
                cepstra_sum=cepstra.sum(axis=0),
                cepstra_square_sum=(cepstra**2).sum(axis=0),
                log_pitch=float(np.median(log_pitch)) if len(cepstra) else 0.0,
            )
        )
    return stats


def _voiced_features(samples: Float32Array) -> tuple[FloatArray, FloatArray]:
    """MFCCs and log2 pitch of the voiced frames, one frame per _FRAME_HOP.

    Both analyses look at the same span of each frame: the pitch search needs the
    integration window plus the longest lag, and the spectrum uses its middle 25 ms.
    """
    max_lag = int(_SAMPLE_RATE / _PITCH_MIN_HZ)
    span = _PITCH_INTEGRATION + max_lag
    count = max(0, 1 + (len(samples) - span) // _FRAME_HOP)
    starts = _FRAME_HOP * np.arange(count)
    frames = samples[starts[:, None] + np.arange(span)[None, :]]
    log_pitch, voiced = _pitch(frames, max_lag)
    offset = (span - _SPECTRUM_FRAME) // 2
    return _cepstra(frames[voiced, offset : offset + _SPECTRUM_FRAME]), log_pitch[voiced]


def _cepstra(frames: Float32Array) -> FloatArray:
    emphasized = np.concatenate([frames[:, :1], frames[:, 1:] - 0.97 * frames[:, :-1]], axis=1)
    power = np.abs(np.fft.rfft(emphasized * _HAMMING, _NFFT)) ** 2
    log_mel = np.log(power.astype(np.float64) @ _MEL_FILTERS.T + 1e-10)
    result: FloatArray = log_mel @ _DCT.T
    return result


def _pitch(frames: Float32Array, max_lag: int) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
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
    energy = np.concatenate([np.zeros((n, 1), frames.dtype), np.cumsum(frames**2, axis=1)], axis=1)
    lags = np.arange(max_lag + 1)
    lag_counts = lags[1:].astype(frames.dtype)
    shifted_energy = energy[:, lags + width] - energy[:, lags]
    difference = energy[:, width : width + 1] + shifted_energy - 2.0 * cross
    difference[:, 0] = 0.0
    running_mean = np.cumsum(difference[:, 1:], axis=1) / lag_counts
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


def _points(windows: list[VoiceWindow]) -> tuple[FloatArray, FloatArray]:
    """Each window as a point where distance 1 means "another speaker", and its weight."""
    weights = np.array([w.voiced for w in windows], dtype=np.float64)
    sums = np.array([w.cepstra_sum for w in windows])
    squares = np.array([w.cepstra_square_sum for w in windows])
    # Normalise by the file's own voiced-frame statistics so the threshold does not
    # depend on the microphone's level or colouring.
    mean = sums.sum(axis=0) / weights.sum()
    std = np.sqrt(np.maximum(squares.sum(axis=0) / weights.sum() - mean**2, 1e-8))
    spectra = (sums / weights[:, None] - mean) / std / _SPECTRAL_SCALE / np.sqrt(_CEPSTRA)
    pitches = np.array([w.log_pitch for w in windows]) / _PITCH_SCALE
    seconds: FloatArray = weights * _FRAME_HOP / _SAMPLE_RATE
    return np.column_stack([spectra, pitches]), seconds


def _cluster(points: FloatArray, seconds: FloatArray, max_speakers: int) -> list[int]:
    """Cluster ids for the points, in blocks so that memory does not grow with length.

    A long recording is clustered block by block (speakers only, no cap), and then the
    blocks' clusters are clustered again by their centroids.
    """
    n = len(points)
    if n <= _MAX_BLOCK:
        return _agglomerate(points, seconds, max_speakers)
    labels: list[int] = []
    centroids: list[FloatArray] = []
    weights: list[float] = []
    for start in range(0, n, _MAX_BLOCK):
        block = slice(start, start + _MAX_BLOCK)
        found = _agglomerate(points[block], seconds[block], _MAX_BLOCK)
        first = len(centroids)
        ids = {cluster: first + k for k, cluster in enumerate(sorted(set(found)))}
        for cluster in sorted(ids):
            mine = np.array(found) == cluster
            weight = seconds[block][mine]
            centroids.append((points[block][mine] * weight[:, None]).sum(axis=0) / weight.sum())
            weights.append(float(weight.sum()))
        labels.extend(ids[cluster] for cluster in found)
    merged = _cluster(np.array(centroids), np.array(weights), max_speakers)
    return [merged[label] for label in labels]


def _agglomerate(
    points: FloatArray,
    seconds: FloatArray,
    max_speakers: int,
    *,
    apart: Sequence[Hashable] | None = None,
) -> list[int]:
    """Centroid-linkage agglomerative clustering that stops at "another speaker".

    Points with equal ``apart`` keys, and so the clusters holding them, never merge.
    """
    points = points.copy()
    seconds = seconds.copy()
    n = len(points)
    members = list(range(n))  # each point's current cluster (the lowest merged index)
    alive = np.ones(n, dtype=bool)
    conflict = np.zeros((n, n), dtype=bool)  # pairs that must stay apart
    if apart is not None:
        codes: dict[Hashable, int] = {}
        keys = np.array([codes.setdefault(key, len(codes)) for key in apart])
        conflict = keys[:, None] == keys[None, :]
    distance = np.full((n, n), np.inf)
    for i in range(n):
        distance[i, i + 1 :] = _merge_cost(points, seconds, i, slice(i + 1, n))
        distance[i + 1 :, i] = distance[i, i + 1 :]
    distance[conflict] = np.inf
    clusters = n
    while clusters > 1:
        i, j = divmod(int(np.argmin(distance)), n)
        if not np.isfinite(distance[i, j]):
            break  # every pair left is known to be two people
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
        conflict[keep] |= conflict[gone]
        conflict[:, keep] = conflict[keep]
        row = _merge_cost(points, seconds, keep, slice(0, n))
        row[~alive] = np.inf
        row[keep] = np.inf
        row[conflict[keep]] = np.inf
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

    # 60-7600 Hz: below is rumble and desk thumps; the top band stops short of the
    # 8 kHz limit, which MP3 encoders and resamplers have often already cut.
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
_HAMMING = np.hamming(_SPECTRUM_FRAME).astype(np.float32)
