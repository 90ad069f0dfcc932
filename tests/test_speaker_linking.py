"""Speakers of a chunked upstream job, linked across chunks by voice.

Two real voices take turns: the LibriVox reader and John F. Kennedy, from ../shared/audio.
An upstream diarizes each chunk on its own, so its labels restart per chunk and may swap;
after stitching, each voice must carry one label through the whole job.
"""

from __future__ import annotations

import logging
import tracemalloc
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest

from jobs.engines.base import Segment
from jobs.engines.diarization import speaker_labels
from jobs.media.decode import SAMPLE_RATE, pcm_stream
from jobs.media.encode import PcmEncoder
from jobs.models import JobStatus, TranscriptionChunk, TranscriptionJob
from jobs.services.speaker_linking import sampled_spans, speakers_link
from jobs.services.worker import job_run
from jobs.transcripts.selectors import transcript_read
from tests.audio_fixtures import SHARED_AUDIO
from tests.test_api_transcribe import upload
from tests.test_chunking import drain
from tests.test_diarization import LIBRIVOX, decode, slices
from tests.upstreams.media import sparse_speech
from tests.upstreams.openai import OpenAIUpstream
from tests.upstreams.transcribers import Heard

READER, PRESIDENT = "reader", "president"
GAP_SECONDS = 1.2  # between turns: longer than a pause inside one


@dataclass(frozen=True)
class Turn:
    voice: str
    start: float
    end: float


def voices() -> dict[str, list[bytes]]:
    """Twelve 2-second turns of the reader and six 1.8-second turns of the president."""
    reader = np.concatenate([decode(f"librivox_ss01_{code}.wav") for code in LIBRIVOX])
    return {READER: slices(reader, 2.0), PRESIDENT: slices(decode("jfk.flac"), 1.8)}


def two_voice_file(dest: Path, order: Sequence[str]) -> list[Turn]:
    """Write the voices' turns in ``order`` to ``dest`` (FLAC) with a pause between
    turns; each voice's turns are its next unused slices. Returns the turns' times."""
    unused = {voice: iter(pieces) for voice, pieces in voices().items()}
    turns: list[Turn] = []
    position = GAP_SECONDS
    with PcmEncoder(dest) as encoder:
        encoder.write(bytes(round(GAP_SECONDS * SAMPLE_RATE) * 2))
        for voice in order:
            pcm = next(unused[voice])
            encoder.write(pcm + bytes(round(GAP_SECONDS * SAMPLE_RATE) * 2))
            seconds = len(pcm) / 2 / SAMPLE_RATE
            turns.append(Turn(voice, round(position, 3), round(position + seconds, 3)))
            position += seconds + GAP_SECONDS
    return turns


def segment(turn: Turn, speaker: str) -> Segment:
    return Segment(turn.start, turn.end, "words", 0.9, speaker=speaker)


def labels_by_voice(linked: Sequence[Segment], truth: Sequence[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for item, voice in zip(linked, truth, strict=True):
        found.setdefault(voice, set()).add(item.speaker or "")
    return found


def test_each_voice_keeps_one_label_in_every_chunk_though_the_upstream_swapped_them(tmp_path):
    r, p = READER, PRESIDENT
    order = [*(r, p, r, p), *(p, r, p, r), *(r, p, r, p)]
    turns = two_voice_file(tmp_path / "two.flac", order)
    # What an upstream says for each chunk of four turns: chunk 0 numbers the reader
    # first, chunk 1 the president (who speaks first there), chunk 2 the other way round
    # from chunk 0 though the reader speaks first.
    said = [{r: "SPEAKER_00", p: "SPEAKER_01"}, {p: "SPEAKER_00", r: "SPEAKER_01"}]
    said.append({p: "SPEAKER_00", r: "SPEAKER_01"})
    chunks = [
        [segment(turn, said[index][turn.voice]) for turn in turns[index * 4 : index * 4 + 4]]
        for index in range(3)
    ]

    linked = speakers_link(tmp_path / "two.flac", chunks)

    assert [(s.start, s.end) for s in linked] == [(t.start, t.end) for t in turns]
    assert labels_by_voice(linked, [t.voice for t in turns]) == {
        READER: {"SPEAKER_00"},
        PRESIDENT: {"SPEAKER_01"},
    }


def test_two_labels_of_one_chunk_stay_two_speakers_even_in_one_voice(tmp_path):
    # The upstream heard the reader as two people in chunk 0; it knows that chunk's audio
    # better than a voice print does, so the two stay apart, and chunk 1's reader joins
    # one of them, not a third label.
    r, p = READER, PRESIDENT
    turns = two_voice_file(tmp_path / "two.flac", [*(r, r, r, r), *(r, p, r, p)])
    chunks = [
        [segment(t, speaker) for t, speaker in zip(turns[:4], ["A", "A", "B", "B"], strict=True)],
        [segment(t, "A" if t.voice == r else "B") for t in turns[4:]],
    ]

    linked = speakers_link(tmp_path / "two.flac", chunks)

    first, second = linked[:4], linked[4:]
    assert [s.speaker for s in first] == ["SPEAKER_00", "SPEAKER_00", "SPEAKER_01", "SPEAKER_01"]
    assert {s.speaker for s, t in zip(second, turns[4:], strict=True) if t.voice == r} <= {
        "SPEAKER_00",
        "SPEAKER_01",
    }
    assert {s.speaker for s, t in zip(second, turns[4:], strict=True) if t.voice == p} == {
        "SPEAKER_02"
    }


def test_a_speaker_who_talks_for_long_is_sampled_in_pieces_spread_over_the_chunk():
    spans = [(i * 60.0, i * 60.0 + 30.0) for i in range(20)]  # ten minutes of speech

    pieces = sampled_spans(spans, budget=60.0, piece=6.0)

    assert sum(end - start for start, end in pieces) <= 60.0
    assert all(end - start <= 6.0 for start, end in pieces)
    assert all(any(s <= start < end <= e for s, e in spans) for start, end in pieces)
    # From the first minutes to the last, not the first minute twice over.
    assert pieces[0][0] < 120.0
    assert pieces[-1][1] > 1080.0
    assert len({int(start // 60) for start, _ in pieces}) == len(pieces) == 10
    assert sampled_spans(spans[:2], budget=60.0, piece=6.0) == spans[:2]


def test_linking_an_hour_long_recording_decodes_only_the_speakers_spans(tmp_path):
    # Six ten-minute chunks, each with a passage of the reader and the president's
    # speech, the labels swapped in every other chunk.
    clips = [SHARED_AUDIO / f"librivox_ss01_{code}.wav" for code in ("0870", "0890", "0920")]
    jfk = SHARED_AUDIO / "jfk.flac"
    placed = [(i * 600.0 + 100.0, clips[i % 3]) for i in range(6)]
    placed += [(i * 600.0 + 400.0, jfk) for i in range(6)]
    recording = sparse_speech(tmp_path / "hour.flac", seconds=3600.0, clips_at=placed)
    seconds = {clip: sum(len(b) for b in pcm_stream(clip)) / 2 / SAMPLE_RATE for clip in clips}
    chunks = [
        [
            Segment(at, at + seconds[clips[i % 3]], "reader", 0.9, speaker=f"SPEAKER_0{i % 2}"),
            Segment(
                i * 600.0 + 400.0, i * 600.0 + 411.0, "jfk", 0.9, speaker=f"SPEAKER_0{1 - i % 2}"
            ),
        ]
        for i, at in enumerate(i * 600.0 + 100.0 for i in range(6))
    ]

    tracemalloc.start()
    try:
        linked = speakers_link(recording, chunks)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert [s.speaker for s in linked] == ["SPEAKER_00", "SPEAKER_01"] * 6
    # The hour decoded whole would be 115 MB of samples.
    assert peak < 20_000_000, f"{peak / 1e6:.0f} MB"


def diarizing_upstream(path: Path) -> tuple[list[Heard], float]:
    """What a diarizing upstream hears in one request: each stretch of sound a word, its
    speakers told apart within this request alone and numbered by first appearance."""
    samples = np.frombuffer(b"".join(pcm_stream(path)), dtype="<i2")
    frame = SAMPLE_RATE // 100
    count = len(samples) // frame
    rms = np.sqrt((samples[: count * frame].astype(np.float64).reshape(count, frame) ** 2).mean(1))
    runs: list[list[int]] = []
    for index in np.flatnonzero(rms > 300.0):
        if runs and index - runs[-1][1] <= 50:  # pauses under half a second join
            runs[-1][1] = int(index)
        else:
            runs.append([int(index), int(index)])
    runs = [run for run in runs if run[1] - run[0] >= 30]
    regions = [samples[a * frame : (b + 1) * frame].tobytes() for a, b in runs]
    heard = [
        Heard(f"turn{index}", a / 100, (b + 1) / 100, speaker=int(label.removeprefix("SPEAKER_")))
        for index, ((a, b), label) in enumerate(zip(runs, speaker_labels(regions), strict=True))
    ]
    return heard, len(samples) / SAMPLE_RATE


@pytest.fixture
def voxtral(settings):
    """An OpenAI-compatible upstream with Voxtral's ``diarize``, its size limit small
    enough that a minute of audio must be cut: a diarized job is cut only when it must."""
    with OpenAIUpstream(diarizing_upstream).running() as upstream:
        settings.HARK_ENGINES = ["local", "openai"]
        settings.HARK_OPENAI_BASE_URL = upstream.base_url
        settings.HARK_OPENAI_API_KEY = upstream.key
        settings.HARK_OPENAI_MODEL = "voxtral-mini-latest"
        settings.HARK_OPENAI_EXTENSIONS = ["diarize"]
        settings.HARK_OPENAI_MAX_UPLOAD_MB = 1
        settings.HARK_UPSTREAM_KBPS = 160  # 1 MB holds 52 s, so ~57 s of audio is cut
        settings.HARK_UPSTREAM_CHUNK_SECONDS = 20
        settings.HARK_UPSTREAM_TIMEOUT_SECONDS = 10
        settings.HARK_ENGINE_PRICES = {"local": Decimal("1"), "openai": Decimal("3")}
        yield upstream


def alternating(tmp_path: Path) -> tuple[Path, list[Turn]]:
    """57 s of the two voices. The 20 s chunks are cut in the pauses near 20 s and 39 s,
    so the second chunk opens with the president and the others with the reader."""
    r, p = READER, PRESIDENT
    order = [*(r, r, p, r, r, p), *(p, r, r, p, r, r), *(r, p, r, r, p, r)]
    path = tmp_path / "alternating.flac"
    return path, two_voice_file(path, order)


def voice_at(turns: Sequence[Turn], start: float, end: float) -> str:
    return max(turns, key=lambda t: min(end, t.end) - max(start, t.start)).voice


@pytest.mark.django_db(transaction=True)
def test_a_chunked_diarized_job_has_one_label_per_voice_across_its_chunks(voxtral, alice, tmp_path):
    path, turns = alternating(tmp_path)
    job_id = upload(alice, path, model="openai", diarization="true").json()["id"]
    drain(job_id)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED, job.error_message
    assert job.chunks_total == len(voxtral.requests) >= 3
    # Each chunk's upstream numbered its own speakers: more (chunk, label) pairs than voices.
    # Each chunk's upstream numbered its own speakers by first appearance, so its labels
    # name the reader in one chunk and the president in another.
    said = {
        (voice_at(turns, item["start"], item["end"]), item["speaker"])
        for chunk in TranscriptionChunk.objects.filter(job=job)
        for item in chunk.segments
    }
    assert said == {(v, label) for v in (READER, PRESIDENT) for label in ("speaker_0", "speaker_1")}
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()
    by_voice: dict[str, set[str]] = {}
    for item in body["segments"]:
        by_voice.setdefault(voice_at(turns, item["start"], item["end"]), set()).add(item["speaker"])
    assert by_voice == {READER: {"SPEAKER_00"}, PRESIDENT: {"SPEAKER_01"}}
    assert sorted(s["label"] for s in body["speakers"]) == ["SPEAKER_00", "SPEAKER_01"]
    view = transcript_read(job)
    assert view is not None
    assert {view.speaker_of[s.key or ""].label for s in view.segments} == {
        "SPEAKER_00",
        "SPEAKER_01",
    }


@pytest.mark.django_db(transaction=True)
def test_when_the_audio_cannot_be_read_again_each_chunks_speakers_stay_apart(
    voxtral, alice, tmp_path, caplog
):
    path, _ = alternating(tmp_path)
    job_id = upload(alice, path, model="openai", diarization="true").json()["id"]
    job_run(job_id)  # cut into chunks, which are stored apart from the upload
    job = TranscriptionJob.objects.get(pk=job_id)
    Path(job.media.path).write_bytes(b"no longer audio")

    with caplog.at_level(logging.ERROR, logger="jobs.services.speaker_linking"):
        drain(job_id)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED, job.error_message
    chunk_labels = {
        (chunk.index, item["speaker"])
        for chunk in TranscriptionChunk.objects.filter(job=job)
        for item in chunk.segments
    }
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()
    assert len(body["speakers"]) == len(chunk_labels) > 2
    assert "speakers not linked across chunks" in caplog.text


@pytest.mark.django_db(transaction=True)
def test_a_long_diarized_whisper_job_runs_in_chunks_with_one_label_per_voice(
    settings, alice, tmp_path
):
    # The embedded engine cuts long diarized audio too: each chunk is diarized on its
    # own and the chunks' speakers are linked by voice when the job is stitched.
    # Two and a half minutes of two voices in turn, in one-minute chunks.
    from tests.test_providers_whisper import two_voices_taking_turns

    settings.HARK_LOCAL_DIARIZED_CHUNK_SECONDS = 60
    path, turns = two_voices_taking_turns(tmp_path / "turns.wav", rounds=6)
    job_id = upload(alice, path, diarization="true").json()["id"]
    drain(job_id)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED, job.error_message
    assert job.engine == "whisper"
    assert job.chunks_total >= 2
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()
    labels: dict[str, set[str]] = {"jfk": set(), "reader": set()}
    # Whisper may hang a turn's first word on the turn before; a segment of a few words
    # is judged by the turn it lies nearest.
    for item in (s for s in body["segments"] if len(s["text"].split()) >= 3):
        middle = (item["start"] + item["end"]) / 2
        who = min(turns, key=lambda turn: max(turn[1] - middle, middle - turn[2], 0))[0]
        labels[who].add(item["speaker"])
    assert len(labels["jfk"]) == 1
    assert len(labels["reader"]) == 1
    assert labels["jfk"] != labels["reader"]
