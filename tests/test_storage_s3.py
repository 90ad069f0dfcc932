"""Media in S3-compatible storage (``HARK_S3_BUCKET``), against a real S3 server: moto in
server mode on a loopback port. Upload through the API, a real worker reading the object
(its chunks too), the player's Range requests, and delete."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
from django.test import Client

from jobs.models import JobStatus, TranscriptionChunk, TranscriptionJob
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import REPO_ROOT, Persona, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

JFK = SHARED_AUDIO / "jfk.flac"


def upload(persona: Persona, **data: Any) -> Any:
    with JFK.open("rb") as handle:
        return persona.client().post(
            "/api/v1/transcribe/", {"file": handle, **data}, format="multipart"
        )


def streamed(response: Any) -> bytes:
    return b"".join(response.streaming_content)


def signed_in(persona: Persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def test_a_job_lives_in_the_bucket_from_upload_to_delete(
    alice, s3_media, isolated_media, start_worker
):
    response = upload(alice, model="local")
    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get(pk=response.json()["id"])

    # Stored under the generated key, in the bucket and nowhere on local disk.
    key = f"org/{alice.organization.pk}/{job.pk}.flac"
    assert job.media.name == key
    assert s3_media.keys() == [key]
    assert s3_media.read(key) == JFK.read_bytes()
    assert [p for p in isolated_media.rglob("*") if p.is_file()] == []

    # A worker configured only by environment reads the object; 4-second chunks make it
    # cut the recording and store each chunk in the bucket for the chunk tasks to read.
    worker = start_worker(**s3_media.worker_env(), HARK_LOCAL_CHUNK_SECONDS="4")
    wait_for(lambda: TranscriptionJob.objects.get(pk=job.pk).is_finished, timeout=180)
    body = alice.client().get(f"/api/v1/transcribe/{job.pk}/").json()
    assert body["status"] == JobStatus.COMPLETED, (body, worker.log.read_text()[-3000:])
    assert "country" in body["transcript"]
    assert TranscriptionChunk.objects.filter(job=job).count() >= 2
    # Chunk objects are removed once the job is stitched: only the upload remains.
    wait_for(lambda: s3_media.keys() == [key], timeout=30)

    # The player seeks with Range requests: 206 and exactly those bytes, from the bucket.
    original = JFK.read_bytes()
    client = signed_in(alice)
    partial = client.get(f"/jobs/{job.pk}/audio", headers={"Range": "bytes=1000-1999"})
    assert partial.status_code == 206
    assert partial["Content-Range"] == f"bytes 1000-1999/{len(original)}"
    assert partial["Content-Length"] == "1000"
    assert streamed(partial) == original[1000:2000]
    tail = client.get(f"/jobs/{job.pk}/audio", headers={"Range": "bytes=-300"})
    assert streamed(tail) == original[-300:]
    whole = client.get(f"/jobs/{job.pk}/audio")
    assert whole.status_code == 200
    assert streamed(whole) == original

    # Delete removes the object with the job.
    assert alice.client().delete(f"/api/v1/transcribe/{job.pk}/").status_code == 204
    assert not TranscriptionJob.objects.filter(pk=job.pk).exists()
    assert s3_media.keys() == []


def test_a_missing_object_is_a_404_for_the_player_not_a_server_error(alice, s3_media):
    job = TranscriptionJob.objects.get(pk=upload(alice, model="local").json()["id"])
    s3_media.client().delete_object(Bucket=s3_media.bucket, Key=job.media.name)

    response = signed_in(alice).get(f"/jobs/{job.pk}/audio", headers={"Range": "bytes=0-9"})

    assert response.status_code == 404


def test_an_endpoint_without_a_bucket_stops_the_server_with_a_sentence(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HARK_", "DJANGO_"))}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=REPO_ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "HARK_VAR_DIR": str(tmp_path / "var"),
            "HARK_S3_ENDPOINT_URL": "http://127.0.0.1:9",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "HARK_S3_ENDPOINT_URL is set but HARK_S3_BUCKET is not" in result.stderr
