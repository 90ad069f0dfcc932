"""GoTranscript's from/till: only that stretch is priced, held, transcribed and charged,
and its times stay those of the original recording."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import EntryKind, Hold, LedgerEntry
from jobs.models import JobStatus, TranscriptionJob
from jobs.services.worker import job_run
from tests.test_api_transcribe import JFK, upload
from tests.test_chunking import BURSTS, drain
from tests.upstreams.openai import OpenAIUpstream
from tests.upstreams.transcribers import burst_name, bursts, write_bursts

pytestmark = pytest.mark.django_db(transaction=True)


def test_from_and_till_are_priced_before_anything_is_held(alice):
    response = upload(alice, JFK, "Bearer", **{"from": "2", "till": "7"})
    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get()
    # 5 s at 1 credit a minute, not the file's 11 s (0.19).
    assert response.json()["estimated_credits"] == 0.09
    assert Hold.objects.get().amount == Decimal("0.09")
    assert (job.trim_start, job.trim_end, job.duration_seconds) == (2.0, 7.0, 5.0)

    with open(job.media.path, "rb") as audio:
        quote = alice.client().post(
            "/api/v1/quote/", {"file": audio, "from": "2", "till": "7"}, format="multipart"
        )
    assert quote.status_code == 200, quote.content
    assert (quote.json()["order_total"], quote.json()["seconds"]) == (0.09, 5)


def test_only_the_stretch_is_transcribed_on_the_original_timeline_and_charged(alice):
    job_id = upload(alice, JFK, "Bearer", word_timestamps="true", **{"from": "2", "till": "7"})
    job_id = job_id.json()["id"]
    job_run(job_id)
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()

    assert body["status"] == "completed"
    assert (body["from"], body["till"], body["duration_seconds"]) == (2.0, 7.0, 5.0)
    words = [w for s in body["segments"] for w in s["words"]]
    assert words
    assert all(2.0 <= w["start"] <= w["end"] <= 7.0 for w in words)
    # The end of jfk ("…what you can do for your country", after 8 s) is not there.
    assert "lovely" not in body["transcript"]
    assert len(body["transcript"].split()) < 12
    assert LedgerEntry.objects.get(kind=EntryKind.CHARGE).amount == Decimal("-0.09")


def test_till_past_the_end_means_to_the_end(alice):
    response = upload(alice, JFK, "Bearer", **{"from": "1", "till": "500"})
    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get()
    assert job.trim_end is None
    assert job.duration_seconds == pytest.approx(10.0, abs=0.05)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"from": "7", "till": "2"}, "till must be later than from"),
        ({"from": "30"}, "the recording is only 11.0 seconds long"),
        ({"from": "-1"}, "from"),
        ({"till": "soon"}, "till"),
    ],
)
def test_impossible_stretches_are_a_400_and_nothing_is_held(alice, data, message):
    response = upload(alice, JFK, "Bearer", **data)
    assert response.status_code == 400
    assert message in response.json()["message"]
    assert not TranscriptionJob.objects.exists()
    assert not Hold.objects.exists()


def test_a_trimmed_long_recording_is_chunked_within_its_stretch(alice, settings, tmp_path):
    tones = write_bursts(tmp_path / "tones.wav", seconds=123.0, bursts_at=BURSTS)
    with OpenAIUpstream(bursts).running() as upstream:
        settings.HARK_ENGINES = ["local", "openai"]
        settings.HARK_OPENAI_BASE_URL = upstream.base_url
        settings.HARK_OPENAI_API_KEY = upstream.key
        settings.HARK_OPENAI_MODEL = "whisper-1"
        settings.HARK_UPSTREAM_CHUNK_SECONDS = 20
        job_id = upload(
            alice, tones, model="openai", word_timestamps="true", **{"from": "30", "till": "90"}
        ).json()["id"]
        drain(job_id)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED
    assert job.chunks_total == 3
    body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()
    heard = [(w["word"], w["start"]) for s in body["segments"] for w in s["words"]]
    expected = [
        (burst_name(length), start)
        for start, length in BURSTS
        if start >= 30 and start + length <= 90
    ]
    assert [w for w, _ in heard] == [w for w, _ in expected]
    assert all(abs(a - b) <= 0.02 for (_, a), (_, b) in zip(heard, expected, strict=True))
    assert LedgerEntry.objects.get(kind=EntryKind.CHARGE).amount == Decimal("-1.00")
