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
from typing import Any

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
    inserted: int  # transcribed words that no reference word accounts for
    repeated_runs: list[str]  # inserted runs that repeat the words just before them


# A word belongs to the clip its middle falls in, give or take this much: Whisper's
# word times are good to a few tenths of a second.
_SLACK_SECONDS = 0.7


def compare(placed: list[Placed], words: list[dict[str, Any]]) -> Comparison:
    """Each clip's reference against the words transcribed during it.

    Matching the whole transcript against the whole reference at once does not work
    here: the clips repeat in a cycle, and difflib's longest-block-first matching can
    pair a stretch with the same words one cycle later, reporting a complete transcript
    as a lost cycle (seen). Word times say where each word was heard.
    """
    heard: list[list[str]] = [[] for _ in placed]
    invented = 0
    for word in words:
        middle = (word["start"] + word["end"]) / 2
        distance, nearest = min(
            (max(clip.start - middle, middle - clip.end, 0.0), index)
            for index, clip in enumerate(placed)
        )
        if distance <= _SLACK_SECONDS:
            heard[nearest].append(word["word"])
        else:
            invented += len(normalize_words(word["word"]))
    coverage: list[float] = []
    inserted = invented
    repeated: list[str] = []
    for clip, mine in zip(placed, heard, strict=True):
        hypothesis = normalize_words(" ".join(mine))
        matcher = difflib.SequenceMatcher(a=clip.words, b=hypothesis, autojunk=False)
        matched = [False] * len(hypothesis)
        found = 0
        for block in matcher.get_matching_blocks():
            found += block.size
            for offset in range(block.size):
                matched[block.b + offset] = True
        coverage.append(found / len(clip.words))
        inserted += matched.count(False)
        for is_matched, run in itertools.groupby(enumerate(matched), key=lambda p: p[1]):
            if is_matched:
                continue
            indices = [i for i, _ in run]
            extra = hypothesis[indices[0] : indices[-1] + 1]
            before = hypothesis[max(indices[0] - len(extra), 0) : indices[0]]
            if len(extra) >= 3 and extra == before:
                repeated.append(" ".join(extra))
    return Comparison(coverage, inserted, repeated)


@pytest.mark.parametrize(("minutes", "timeout"), [(10, 900), (60, 2400)])
def test_a_long_recording_keeps_every_sentence_once_across_chunk_joins(
    minutes, timeout, alice, start_worker, tmp_path
):
    audio = tmp_path / f"{minutes}-minutes.wav"
    placed = speech_file(minutes * 60.0, audio)
    credits_grant(organization=alice.organization, amount=Decimal("500"), reason="long test")
    start_worker(HARK_WORKERS="2")
    response = upload(alice, audio, word_timestamps="true")
    assert response.status_code == 200, response.content
    job_id = response.json()["id"]

    wait_for(lambda: TranscriptionJob.objects.get(pk=job_id).is_finished, timeout=timeout)
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()
    assert body["status"] == "completed", body
    assert body["providers"] == ["whisper"]
    chunks = TranscriptionChunk.objects.filter(job_id=job_id).count()
    assert chunks >= minutes * 60 / 45  # it was cut up, so there were joins to cross

    words = [word for segment in body["segments"] for word in segment["words"]]
    assert normalize_words(" ".join(w["word"] for w in words)) == normalize_words(
        body["transcript"]
    )
    result = compare(placed, words)
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
