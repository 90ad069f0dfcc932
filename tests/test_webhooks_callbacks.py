"""Inbound provider callbacks: per-job authentication, idempotency, replay protection,
the provider's expected answer — proved with a handler registered by this test only
(it fails the job through jobs.services, as a provider adapter would)."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import Client

from jobs.lifecycle.transcription import job_fail
from jobs.models import JobStatus, TranscriptionJob
from tests.test_api_transcribe import upload
from webhooks import callbacks
from webhooks.callbacks import (
    CallbackRejected,
    CallbackReply,
    InboundCall,
    callback_path,
    callback_token,
    callback_url,
    register_callback_handler,
)
from webhooks.models import InboundCallback

pytestmark = pytest.mark.django_db

calls: list[InboundCall] = []


def handle_echo(call: InboundCall) -> CallbackReply | None:
    """A provider that posts {"id": …, "status": "error", "error": …} when it gives up."""
    calls.append(call)
    payload = call.json()
    if payload.get("status") == "boom":
        raise RuntimeError("the handler crashed")
    if payload.get("status") == "error":
        job_fail(TranscriptionJob.objects.get(pk=call.job_id), payload["error"])
    return CallbackReply(200, json.dumps({"received": payload["id"]}), "application/json")


@pytest.fixture(autouse=True)
def echo_provider(monkeypatch):
    monkeypatch.setattr(callbacks, "CALLBACK_HANDLERS", {})
    register_callback_handler("echo", handle_echo)
    calls.clear()


@pytest.fixture
def job(alice) -> TranscriptionJob:
    return TranscriptionJob.objects.get(pk=upload(alice).json()["id"])


def post(path: str, body: dict[str, Any] | str, **extra: Any) -> Any:
    data = body if isinstance(body, str) else json.dumps(body)
    return Client().post(path, data, content_type="application/json", **extra)


FAILED = {"id": "tr_1", "status": "error", "error": "The upstream could not decode the audio."}


def test_a_genuine_callback_runs_the_handler_and_answers_as_the_provider_expects(job):
    response = post(callback_path("echo", job.pk), FAILED)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"received": "tr_1"}
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error_message == FAILED["error"]
    assert len(calls) == 1
    assert calls[0].job_id == job.pk
    record = InboundCallback.objects.get()
    assert (record.provider, record.job_id, record.reply_status) == ("echo", job.pk, 200)


def test_a_replayed_callback_changes_nothing_and_gets_the_same_answer(job):
    path = callback_path("echo", job.pk)
    first = post(path, FAILED)
    TranscriptionJob.objects.filter(pk=job.pk).update(error_message="untouched")
    again = post(path, FAILED)
    assert (again.status_code, again.content) == (first.status_code, first.content)
    assert len(calls) == 1
    assert TranscriptionJob.objects.get(pk=job.pk).error_message == "untouched"
    assert InboundCallback.objects.get().replays == 1


def _tampered(path: str) -> str:
    """The path with the MAC's last character changed (never to itself)."""
    last = path[-2]
    return path[:-2] + ("1" if last != "1" else "2") + "/"


@pytest.mark.parametrize(
    "forge",
    [
        lambda job, other: _tampered(callback_path("echo", job.pk)),
        lambda job, other: callback_path("echo", other.pk).replace(other.pk.hex, job.pk.hex),
        # Built whole rather than by replacing the echo token in a path: two tokens made a
        # second apart differ, and the replace then changed nothing (a CI flake).
        lambda job, other: f"/webhooks/providers/echo/{callback_token('another', job.pk)}/",
        lambda job, other: f"/webhooks/providers/echo/{job.pk.hex}/",  # unsigned
        lambda job, other: (
            "/webhooks/providers/echo/"
            + callback_token("echo", job.pk, issued_at=time.time() - 8 * 24 * 3600)
            + "/"
        ),  # expired
    ],
    ids=["tampered", "another-jobs-token", "another-providers-token", "unsigned", "expired"],
)
def test_unsigned_or_forged_callbacks_change_nothing(alice, job, forge):
    other = TranscriptionJob.objects.get(pk=upload(alice).json()["id"])
    response = post(forge(job, other), FAILED)
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert calls == []
    assert not InboundCallback.objects.exists()
    assert TranscriptionJob.objects.get(pk=job.pk).status == JobStatus.QUEUED


def test_an_unknown_provider_is_a_404_and_get_is_refused(job):
    path = callback_path("echo", job.pk).replace("/echo/", "/nobody/")
    assert post(path, FAILED).status_code == 404
    assert Client().get(callback_path("echo", job.pk)).status_code == 405
    assert calls == []


def test_a_rejected_or_crashed_call_is_not_recorded_so_the_providers_retry_counts(job):
    path = callback_path("echo", job.pk)
    rejected = post(path, "this is not json")
    assert rejected.status_code == 400
    assert rejected.content == b"The callback body is not JSON."
    crashing = {"id": "tr_1", "status": "boom"}
    with pytest.raises(RuntimeError):
        post(path, crashing)
    assert not InboundCallback.objects.exists()
    assert post(path, FAILED).status_code == 200
    assert TranscriptionJob.objects.get(pk=job.pk).status == JobStatus.FAILED


def test_a_provider_can_choose_its_dedupe_key_and_default_reply(monkeypatch, job):
    seen: list[str] = []

    def dedupe(call: InboundCall) -> str:
        if "id" not in call.json():
            raise CallbackRejected("No transcript id.", status=422)
        return f"{call.json()['id']}:{call.json()['status']}"

    register_callback_handler(
        "keyed", lambda call: seen.append(call.json()["status"]), dedupe_key=dedupe
    )
    path = callback_path("keyed", job.pk)
    assert post(path, {"id": "a", "status": "done", "retry": 1}).content == b"ok"
    # The same transcript and status with a different body is the same callback.
    assert post(path, {"id": "a", "status": "done", "retry": 2}).content == b"ok"
    assert post(path, {"status": "done"}).status_code == 422
    assert seen == ["done"]


def test_handlers_registered_by_dotted_path_are_imported_on_first_call(job):
    register_callback_handler("lazy", "tests.test_webhooks_callbacks.handle_echo")
    assert post(callback_path("lazy", job.pk), FAILED).json() == {"received": "tr_1"}


def test_callback_urls_are_absolute_only_with_a_public_url(settings, job):
    settings.HARK_PUBLIC_URL = ""
    assert callback_url("echo", job.pk) is None
    settings.HARK_PUBLIC_URL = "https://hark.example.com"
    url = callback_url("echo", job.pk)
    assert url is not None
    assert url.startswith(f"https://hark.example.com/webhooks/providers/echo/{job.pk.hex}.")
    assert post(url.removeprefix("https://hark.example.com"), FAILED).status_code == 200


def test_provider_names_are_checked():
    with pytest.raises(ValueError, match="Provider names"):
        register_callback_handler("Bad Name", handle_echo)
