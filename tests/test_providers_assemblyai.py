"""The ``assemblyai`` provider against a loopback server speaking AssemblyAI's documented
asynchronous API: upload, submit, then poll, or (with a public address) park the job
until its callback comes through Hark's inbound provider callbacks
(tests/test_assemblyai_parked.py has the parked jobs' whole story)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from django_q.models import OrmQ

from jobs.engines import engine_info
from jobs.engines.assemblyai import AssemblyAIProvider
from jobs.engines.base import ProviderError, TranscriptionRequest, TranscriptionResult
from jobs.media.probe import probe
from jobs.models import JobStatus, TranscriptionJob, UpstreamCallback
from jobs.services.worker import job_run
from jobs.transcripts.selectors import job_text
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import wait_for
from tests.test_api_transcribe import upload
from tests.test_job_retry_backoff import run_due_tasks
from tests.upstreams.assemblyai import AssemblyAIUpstream
from tests.upstreams.loopback import Fault
from tests.upstreams.transcribers import pocketsphinx, two_voices

JFK = SHARED_AUDIO / "jfk.flac"


@pytest.fixture
def upstream():
    with AssemblyAIUpstream(two_voices).running() as server:
        yield server


@pytest.fixture
def configured(settings, upstream):
    settings.HARK_ENGINES = ["local", "assemblyai"]
    settings.HARK_ASSEMBLYAI_API_KEY = upstream.key
    settings.HARK_ASSEMBLYAI_BASE_URL = upstream.base_url
    settings.HARK_ASSEMBLYAI_MODEL = ""
    settings.HARK_ASSEMBLYAI_POLL_SECONDS = 0.2
    settings.HARK_UPSTREAM_TIMEOUT_SECONDS = 5
    settings.HARK_PUBLIC_URL = ""
    return settings


def transcribe(**request: Any) -> TranscriptionResult:
    defaults: dict[str, Any] = {"path": JFK, "language": ""}
    return AssemblyAIProvider().transcribe(
        TranscriptionRequest(**{**defaults, **request}), lambda _: None
    )


def failure(**request: Any) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        transcribe(**request)
    return caught.value


def calls(upstream: AssemblyAIUpstream) -> list[tuple[str, str]]:
    return [(r.method, r.path.rsplit("/", 1)[0] if r.path.count("/") > 2 else r.path)
            for r in upstream.requests]  # fmt: skip


def test_it_declares_an_asynchronous_upstream_with_speakers_and_vocabulary(configured):
    info = engine_info("assemblyai")
    assert (info.diarization, info.vocabulary, info.detects_language, info.upstream) == (
        True, True, True, True,
    )  # fmt: skip
    assert info.speed_rank < info.quality_rank


def test_it_uploads_submits_polls_reads_and_then_deletes(configured, upstream):
    result = transcribe(diarization=True, vocabulary=("Kenobi",), start=2.0, end=9.0)

    assert calls(upstream) == [
        ("POST", "/v2/upload"), ("POST", "/v2/transcript"),
        ("GET", "/v2/transcript"), ("GET", "/v2/transcript"), ("DELETE", "/v2/transcript"),
    ]  # fmt: skip
    upload_request, submit, first_poll, second_poll, _ = upstream.requests
    assert upload_request.headers["authorization"] == "aai-loopback"
    audio = Path(configured.FILE_UPLOAD_TEMP_DIR) / "aai.mp3"
    audio.write_bytes(upload_request.body)
    assert probe(audio).duration == pytest.approx(7.0, abs=0.1)
    audio.unlink()
    body = submit.json()
    assert body["audio_url"].startswith(upstream.url + "/files/")
    assert body["language_detection"] is True
    assert "language_code" not in body
    assert (body["speaker_labels"], body["word_boost"]) == (True, ["Kenobi"])
    assert "webhook_url" not in body  # no public address: we poll
    assert second_poll.at - first_poll.at >= 0.2

    assert [(s.text, s.speaker, s.start) for s in result.segments] == [
        ("Hello there.", "SPEAKER_00", 2.5),
        ("General Kenobi!", "SPEAKER_01", 5.0),
    ]
    assert result.segments[1].words[1].end == 6.2  # 4200 ms after the start at 2.0 s
    assert (result.language, result.engine) == ("en", "assemblyai")
    assert result.duration == pytest.approx(7.0, abs=0.05)
    assert next(iter(upstream.transcripts.values()))["deleted"] is True


def test_a_language_is_sent_as_language_code(configured, upstream):
    transcribe(language="de")
    body = upstream.requests[1].json()
    assert body["language_code"] == "de"
    assert "language_detection" not in body
    assert "speaker_labels" not in body


def test_a_failed_transcript_is_permanent_unless_it_says_to_try_again(configured):
    for message, permanent in [
        ("Transcoding failed. File does not appear to contain audio.", True),
        ("Internal server error, please try again.", False),
    ]:
        with AssemblyAIUpstream(two_voices, fails_with=message).running() as failing:
            configured.HARK_ASSEMBLYAI_BASE_URL = failing.base_url
            error = failure()
        assert error.permanent is permanent
        assert message in error.message


def test_a_poll_that_fails_once_is_asked_again(configured, upstream):
    upstream.fail(Fault.status(502, path="/v2/transcript/"))
    result = transcribe()
    assert result.text == "Hello there. General Kenobi!"
    assert [c for c in calls(upstream) if c[0] == "GET"] == [("GET", "/v2/transcript")] * 3


def test_polls_failing_again_and_again_give_up_as_transient(configured, upstream):
    upstream.fail(*[Fault.status(500, path="/v2/transcript/")] * 3)
    error = failure()
    assert (error.permanent, error.status) == (False, 500)


@pytest.mark.parametrize(
    ("fault", "permanent"),
    [
        (Fault.status(500, path="/v2/upload"), False),
        (Fault.rate_limited(retry_after=2, path="/v2/upload"), False),
        (Fault.status(413, path="/v2/upload"), True),
        (Fault.status(400, path="/v2/transcript"), True),
        (Fault.status(503, path="/v2/transcript"), False),
        (Fault.truncated(path="/v2/transcript"), False),
        (Fault.refused(path="/v2/upload"), False),
        (Fault.drip(0.05, path="/v2/upload"), False),
        (Fault.hang(3, path="/v2/transcript"), False),
    ],
)
def test_faults_at_each_step_are_classified(configured, upstream, fault, permanent):
    configured.HARK_UPSTREAM_TIMEOUT_SECONDS = 1
    upstream.fail(fault)
    started = time.monotonic()
    error = failure()
    assert error.permanent is permanent
    assert time.monotonic() - started < 3


def test_a_wrong_key_is_permanent(configured, upstream):
    configured.HARK_ASSEMBLYAI_API_KEY = "wrong"
    error = failure()
    assert (error.permanent, error.status) == (True, 401)
    assert "API token missing/invalid" in error.detail


@pytest.mark.django_db(transaction=True)
def test_with_a_public_address_the_worker_parks_the_job_and_the_callback_resumes_it(
    configured, alice, live_server
):
    configured.HARK_PUBLIC_URL = live_server.url
    configured.HARK_ASSEMBLYAI_POLL_SECONDS = 3600  # only the callback can finish in time
    with AssemblyAIUpstream(pocketsphinx, callback_delay=0.5).running() as upstream:
        configured.HARK_ASSEMBLYAI_BASE_URL = upstream.base_url
        job_id = upload(alice, model="assemblyai").json()["id"]
        OrmQ.objects.all().delete()  # the job's task, run here instead
        job_run(job_id)  # submits and returns: the job is parked, the worker free
        assert TranscriptionJob.objects.get(pk=job_id).status == JobStatus.PROCESSING
        wait_for(lambda: upstream.callbacks_sent, timeout=10)
        assert run_due_tasks() == 1  # the task the callback queued resumes the job

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED, job.error_message
    assert "country" in job_text(job)
    webhook = upstream.requests[1].json()["webhook_url"]
    assert webhook.startswith(f"{live_server.url}/webhooks/providers/assemblyai/")
    assert upstream.callbacks_sent == [(webhook, 200)]
    # Nobody asked while it was processing; one read when called back.
    assert [c for c in calls(upstream) if c[0] == "GET"] == [("GET", "/v2/transcript")]
    [arrived] = UpstreamCallback.objects.all()
    assert (arrived.job_id, arrived.status) == (job.pk, "completed")

    # AssemblyAI retries a callback it thinks failed; a repeat changes nothing.
    transcript_id = arrived.upstream_id
    again = alice.client().post(
        webhook, {"transcript_id": transcript_id, "status": "completed"}, format="json"
    )
    assert again.status_code == 200
    assert UpstreamCallback.objects.count() == 1
    # A forged token is refused.
    forged = webhook.rstrip("/")[:-4] + "beef/"
    assert alice.client().post(forged, {"transcript_id": "x"}, format="json").status_code == 403
