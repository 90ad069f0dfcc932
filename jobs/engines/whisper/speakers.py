"""Speaker labels for Whisper's words, from the offline diarizer the local engine uses.

Whisper's segments follow sentences and pauses, not turns, so a segment may hold two
speakers. The words are grouped into short stretches (split at pauses, at most ~2 s:
about the diarizer's own window), each stretch is labelled by ``SpeakerTracker``, and a
segment is split wherever the label of its words changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from jobs.engines.diarization import SpeakerTracker
from jobs.engines.whisper.guards import Token

SAMPLE_RATE = 16000
_PAUSE_SECONDS = 0.3
_STRETCH_SECONDS = 2.0


def token_speakers(
    tokens: Sequence[Token],
    samples: npt.NDArray[np.float32],
    *,
    offset: float,
    max_speakers: int | None,
) -> list[str]:
    """A speaker label for each of ``tokens`` (times on a timeline where ``samples``
    begin at ``offset`` seconds)."""
    if not tokens:
        return []
    stretches: list[list[int]] = []
    for index, token in enumerate(tokens):
        if stretches:
            first = tokens[stretches[-1][0]]
            previous = tokens[stretches[-1][-1]]
            if (
                token.start - previous.end < _PAUSE_SECONDS
                and token.end - first.start <= _STRETCH_SECONDS
            ):
                stretches[-1].append(index)
                continue
        stretches.append([index])
    tracker = SpeakerTracker(max_speakers=max_speakers or 8)
    for stretch in stretches:
        start = int((tokens[stretch[0]].start - offset) * SAMPLE_RATE)
        end = int((tokens[stretch[-1]].end - offset) * SAMPLE_RATE)
        piece = samples[max(start, 0) : max(end, 0)]
        tracker.add((np.clip(piece, -1.0, 1.0) * 32767).astype("<i2").tobytes())
    labels = tracker.labels()
    result = [""] * len(tokens)
    for stretch, label in zip(stretches, labels, strict=True):
        for index in stretch:
            result[index] = label
    return result
