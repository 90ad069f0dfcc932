"""Long recordings through the default engine on real ``qcluster`` workers: a 10-minute
and a 1-hour file of real speech, cut into chunks, transcribed in parallel by Whisper and
stitched, come back with every sentence once — none lost, none doubled at a join.

The recordings are the shared clips with reference transcripts, played in turn with
pauses of varying length between them (some as short as 0.15 s, so not every join can
fall in a comfortable silence); each clip's place is known, so each sentence can be
checked on its own.
"""

from __future__ import annotations

import difflib
import itertools
import wave
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest

from billing.services import credits_grant
from jobs.media.decode import SAMPLE_RATE, SAMPLE_WIDTH, pcm_stream
from jobs.models import TranscriptionChunk, TranscriptionJob
from lib.wer import normalize_words
from tests.audio_fixtures import SHARED_AUDIO, reference_text
from tests.conftest import wait_for
from tests.test_api_transcribe import upload

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# English clips whose references spell what Whisper writes (the card clips' "eight of
# spades" comes back as "8 of spades", a difference of spelling, not of speech).
CLIPS = (
    "jfk.flac",
    "librivox_ss01_0870.wav",
    "librivox_ss01_0880.wav",
    "librivox_ss01_0890.wav",
    "librivox_ss01_0920.wav",
    "librivox_ss01_0930.wav",
)
GAPS = (0.5, 0.15, 0.8, 0.3, 1.2)


@dataclass(frozen=True)
class Placed:
    clip: str
    start: float
    end: float
    words: list[str]


def speech_file(seconds: float, dest: Path) -> list[Placed]:
    """Write about ``seconds`` of the clips with pauses to ``dest``; where each one is."""
    pcm = {name: b"".join(pcm_stream(SHARED_AUDIO / name)) for name in CLIPS}
    placed: list[Placed] = []
    position = 0
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(SAMPLE_RATE)
        for name, gap in zip(itertools.cycle(CLIPS), itertools.cycle(GAPS)):
            clip = pcm[name]
            if (position + len(clip)) / (SAMPLE_RATE * SAMPLE_WIDTH) > seconds:
                break
            out.writeframesraw(clip)
            start = position / (SAMPLE_RATE * SAMPLE_WIDTH)
            position += len(clip)
            placed.append(
                Placed(
                    name,
                    start,
                    position / (SAMPLE_RATE * SAMPLE_WIDTH),
                    normalize_words(reference_text(name)),
                )
            )
            silence = bytes(round(gap * SAMPLE_RATE) * SAMPLE_WIDTH)
            out.writeframesraw(silence)
            position += len(silence)
    return placed


@dataclass(frozen=True)
class Comparison:
    coverage: list[float]  # per placed clip, the share of its words found in order
    inserted: int  # words in the transcript that no reference word accounts for
    repeated_runs: list[str]  # inserted runs that repeat the words just before them


def compare(placed: list[Placed], transcript: str) -> Comparison:
    reference = [word for clip in placed for word in clip.words]
    owner = [index for index, clip in enumerate(placed) for _ in clip.words]
    hypothesis = normalize_words(transcript)
    matcher = difflib.SequenceMatcher(a=reference, b=hypothesis, autojunk=False)
    found = [0] * len(placed)
    matched_hypothesis = [False] * len(hypothesis)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            found[owner[block.a + offset]] += 1
            matched_hypothesis[block.b + offset] = True
    inserted = matched_hypothesis.count(False)
    repeated = []
    for is_matched, run in itertools.groupby(enumerate(matched_hypothesis), key=lambda p: p[1]):
        if is_matched:
            continue
        indices = [i for i, _ in run]
        words = hypothesis[indices[0] : indices[-1] + 1]
        before = hypothesis[max(indices[0] - len(words), 0) : indices[0]]
        if len(words) >= 3 and words == before:
            repeated.append(" ".join(words))
    return Comparison(
        [count / len(clip.words) for count, clip in zip(found, placed, strict=True)],
        inserted,
        repeated,
    )


@pytest.mark.parametrize(("minutes", "timeout"), [(10, 900), (60, 2400)])
def test_a_long_recording_keeps_every_sentence_once_across_chunk_joins(
    minutes, timeout, alice, start_worker, tmp_path
):
    audio = tmp_path / f"{minutes}-minutes.wav"
    placed = speech_file(minutes * 60.0, audio)
    credits_grant(organization=alice.organization, amount=Decimal("500"), reason="long test")
    start_worker(HARK_WORKERS="2")
    response = upload(alice, audio)
    assert response.status_code == 200, response.content
    job_id = response.json()["id"]

    wait_for(lambda: TranscriptionJob.objects.get(pk=job_id).is_finished, timeout=timeout)
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()
    assert body["status"] == "completed", body
    assert body["providers"] == ["whisper"]
    chunks = TranscriptionChunk.objects.filter(job_id=job_id).count()
    assert chunks >= minutes * 60 / 45  # it was cut up, so there were joins to cross

    result = compare(placed, body["transcript"])
    missing = [
        (clip.clip, round(clip.start, 1))
        for clip, share in zip(placed, result.coverage, strict=True)
        if share < 0.7
    ]
    assert missing == []
    assert result.repeated_runs == []
    total = sum(len(clip.words) for clip in placed)
    assert result.inserted <= 0.02 * total
    # Times stay on the recording's timeline and in order across joins.
    starts = [s["start"] for s in body["segments"]]
    assert starts == sorted(starts)
    assert body["segments"][-1]["end"] <= placed[-1].end + 1.0
