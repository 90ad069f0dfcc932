"""Speakers across chunks: one person keeps one label through a chunked job.

An upstream diarizes each chunk on its own, so its labels restart per chunk: "A" in chunk
1 and "A" in chunk 2 may be two people, and one person may be "A" then "B". At stitch
time each chunk's labels are first kept apart (chunk index + label), then linked by
voice: a voice print of every (chunk, label) is taken from the job's audio at that
label's own segments, with the local diarizer's features and distance
(``jobs.engines.diarization.voice_clusters``), and prints close enough to be one person
share a label. Two labels of one chunk are never joined; the upstream heard them as two
people. Labels are then numbered "SPEAKER_00", "SPEAKER_01", ... by first appearance.

Only the sampled spans are decoded, at most ``_SAMPLE_SECONDS`` per (chunk, label), so
memory does not grow with the length of the recording.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from jobs.engines.base import Segment
from jobs.engines.diarization import VoiceWindow, voice_clusters, voice_windows
from jobs.media.decode import pcm_stream
from jobs.media.storage import local_media
from jobs.models import TranscriptionJob

logger = logging.getLogger(__name__)

# Enough speech for a stable print (the diarizer's distances were calibrated on halves of
# recordings of this order), little enough that a three-hour job stays quick to stitch.
_SAMPLE_SECONDS = 60.0
# Spread over a label's speech in pieces of this length, so that one print hears the
# speaker across the chunk rather than one sentence.
_PIECE_SECONDS = 6.0

ChunkLabel = tuple[int, str]  # (chunk position, the upstream's label in that chunk)


def chunk_speakers_link(
    *, job: TranscriptionJob, chunks: Sequence[Sequence[Segment]]
) -> list[Segment]:
    """The chunks' segments in order, with speaker labels that hold across the job.

    ``chunks`` are the segments of each chunk in order, on the media's timeline. Without
    diarization the segments come back as they are. If the audio cannot be read again
    (or anything else goes wrong in linking), the job still completes, with the labels
    kept apart per chunk (``speakers_apart``).
    """
    if not job.diarization:
        return [segment for chunk in chunks for segment in chunk]
    if len({position for position, _ in _chunk_labels(chunks)}) < 2:
        return speakers_apart(chunks)  # nothing to link: no audio to read
    try:
        with local_media(job.media.name or "") as path:
            return speakers_link(path, chunks)
    except Exception:
        logger.exception("job %s: speakers not linked across chunks; kept apart", job.pk)
        return speakers_apart(chunks)


def speakers_link(path: Path, chunks: Sequence[Sequence[Segment]]) -> list[Segment]:
    """The chunks' segments in order, labelled by voice across all chunks of ``path``.

    A label with too little voiced speech for a print stays a speaker of its own. Raises
    ``UnsupportedMedia`` when the audio cannot be decoded.
    """
    spans = _chunk_labels(chunks)
    keys = list(spans)
    prints = [_voice_print(path, spans[key]) for key in keys]
    clusters = voice_clusters(prints, apart=[position for position, _ in keys])
    voice = {
        key: key if cluster is None else keys[cluster]
        for key, cluster in zip(keys, clusters, strict=True)
    }
    logger.info("%d chunk speakers linked into %d voices", len(keys), len(set(voice.values())))
    return _renumber(chunks, voice)


def speakers_apart(chunks: Sequence[Sequence[Segment]]) -> list[Segment]:
    """The chunks' segments in order, each (chunk, label) a speaker of its own: more
    labels than people, but never two people under one label."""
    return _renumber(chunks, {key: key for key in _chunk_labels(chunks)})


def _chunk_labels(
    chunks: Sequence[Sequence[Segment]],
) -> dict[ChunkLabel, list[tuple[float, float]]]:
    """Each (chunk, label) with its segments' times, in order of first appearance."""
    spans: dict[ChunkLabel, list[tuple[float, float]]] = {}
    for position, chunk in enumerate(chunks):
        for segment in chunk:
            if segment.speaker:
                spans.setdefault((position, segment.speaker), []).append(
                    (segment.start, segment.end)
                )
    return spans


def _voice_print(path: Path, spans: list[tuple[float, float]]) -> list[VoiceWindow]:
    windows: list[VoiceWindow] = []
    for start, end in sampled_spans(spans, budget=_SAMPLE_SECONDS, piece=_PIECE_SECONDS):
        # One piece at a time: at most _SAMPLE_SECONDS of samples in memory (1.9 MB).
        windows += voice_windows(b"".join(pcm_stream(path, start=start, end=end)))
    return windows


def sampled_spans(
    spans: Sequence[tuple[float, float]], *, budget: float, piece: float
) -> list[tuple[float, float]]:
    """At most ``budget`` seconds of ``spans``: all of them if they fit, else pieces of
    at most ``piece`` seconds spread evenly over them."""
    spans = [(start, end) for start, end in spans if end > start]
    total = sum(end - start for start, end in spans)
    if total <= budget:
        return spans
    count = max(1, int(budget // piece))
    step = total / count
    pieces = []
    targets = iter((k + 0.5) * step for k in range(count))
    target = next(targets)
    passed = 0.0  # seconds of speech before the current span
    for start, end in spans:
        while start + target - passed <= end:
            # Centre the piece on the target, slid inside its span where the span ends.
            centre = start + target - passed
            first = max(start, min(centre - piece / 2, end - piece))
            pieces.append((first, min(end, first + piece)))
            target = next(targets, float("inf"))
        passed += end - start
    return pieces


def _renumber(
    chunks: Sequence[Sequence[Segment]], voice: dict[ChunkLabel, ChunkLabel]
) -> list[Segment]:
    numbers: dict[ChunkLabel, int] = {}
    renumbered = []
    for position, chunk in enumerate(chunks):
        for segment in chunk:
            if segment.speaker:
                number = numbers.setdefault(voice[position, segment.speaker], len(numbers))
                segment = replace(segment, speaker=f"SPEAKER_{number:02d}")
            renumbered.append(segment)
    return renumbered
