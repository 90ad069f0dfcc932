"""Hark through its real server: status polls per second, and memory during a 1 GB upload.

    .venv/bin/python bench/serving.py                      # ~2 minutes, 3 GB of temp disk
    .venv/bin/python bench/serving.py --seconds 5 --rounds 2 --upload-mb 200
    .venv/bin/python bench/serving.py --redis              # rate limits counted in Redis

One installation (a temporary folder, SQLite, the database cache) served by
``manage.py serve --no-worker`` — gunicorn, ``--processes`` processes of
``HARK_WEB_THREADS`` threads — with one extra URL: a bare DRF view behind DRF's token
authentication and a user throttle in the same cache (bench/serving_urls.py), the
baseline.

(a) Status polls: ``--clients`` threads, each with a keep-alive connection, poll one
    completed job (a 10-minute transcript: ~1,700 words in ~140 segments, three speakers)
    for ``--seconds``: through Hark's ``GET /api/v1/transcribe/{id}/`` with an API key,
    and through the bare view with a token; alternated for ``--rounds`` rounds, the
    medians compared. Target: Hark ÷ bare ≥ 1.0. The same bare view without a throttle
    is measured too, to show what counting requests in the shared cache costs.
(b) Upload memory: a 1 GB WAV (real speech repeated) posted to ``/api/v1/transcribe/``;
    the resident memory of every web process is sampled every 20 ms, and the growth of
    the one that took the upload is reported, beside the same for a 10 MB upload (the
    baseline). Target: ≤ 50 MB.
"""

from __future__ import annotations

import argparse
import itertools
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # run as a script: the repository's packages

import httpx  # noqa: E402

from bench._install import MANAGE, installation_env  # noqa: E402
from bench._procs import (  # noqa: E402
    descendants,
    free_port,
    start_in_own_group,
    stop_group,
    wait_for_port,
)

ROOT = Path(tempfile.mkdtemp(prefix="hark-bench-serving-"))
ENV = {
    **installation_env(ROOT),
    "DJANGO_SETTINGS_MODULE": "bench.serving_settings",
    "HARK_DEBUG": "false",
    "HARK_LOG_LEVEL": "WARNING",
    # A window of one second keeps the throttle's history (one timestamp per request in
    # the window) the size a real limit would give it, for Hark and the baseline alike.
    "HARK_API_RATE": "100000/s",
    "HARK_MAX_UPLOAD_MB": "1100",
    "HARK_MAX_DURATION_SECONDS": "40000",
}
os.environ.update(ENV)

import django  # noqa: E402

WORDS_PER_SEGMENT = 12
SECONDS_PER_WORD = 0.36
POLL_TARGET = 1.0
MEMORY_TARGET_MB = 50.0
SAMPLE_SECONDS = 0.02
AUDIO = Path(os.environ.get("HARK_SHARED_AUDIO", REPO_ROOT.parent / "shared" / "audio"))


@dataclass(frozen=True)
class Fixture:
    job_id: str
    api_key: str
    token: str


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--processes", type=int, default=2, help="web processes")
    parser.add_argument("--clients", type=int, default=8, help="polling threads")
    parser.add_argument("--seconds", type=float, default=8.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="bare/Hark alternations")
    parser.add_argument("--upload-mb", type=int, default=1024, help="the large upload")
    parser.add_argument(
        "--redis", action="store_true", help="count requests in a Redis started here"
    )
    args = parser.parse_args(argv)
    django.setup()
    fixture = _prepare()
    port = free_port()
    log = ROOT / "web.log"
    env = {**ENV, "HARK_WEB_PROCESSES": str(args.processes)}
    redis = None
    if args.redis:
        redis_port = free_port()
        redis = start_in_own_group(
            ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(ROOT)],
            env=env, cwd=ROOT, log=ROOT / "redis.log",
        )  # fmt: skip
        wait_for_port(redis_port, process=redis, timeout=20)
        env["HARK_CACHE_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    server = start_in_own_group(
        [sys.executable, MANAGE, "serve", f"127.0.0.1:{port}", "--no-worker"],
        env=env,
        cwd=REPO_ROOT,
        log=log,
    )
    try:
        wait_for_port(port, process=server, timeout=60)
        base = f"http://127.0.0.1:{port}"
        cache = "Redis" if redis is not None else "the database"
        print(f"installation in {ROOT}; {args.processes} web process(es); cache in {cache}")
        polls = _polls(base, fixture, args)
        memory = _upload_memory(base, fixture, server.pid, args.upload_mb)
    finally:
        stop_group(server)
        if redis is not None:
            stop_group(redis)
    _report(polls, memory, args)
    shutil.rmtree(ROOT, ignore_errors=True)
    return 0


def _prepare() -> Fixture:
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from accounts.services import api_key_create, organization_create
    from jobs.engines.base import Segment, Word
    from jobs.models import JobStatus, TranscriptionJob
    from jobs.transcripts.services.storing import transcript_store_original

    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    user = User.objects.create_user(email="bench@example.org", password=None)
    organization = organization_create(name="Bench", owner=user)
    _, raw_key = api_key_create(organization=organization, name="bench", created_by=user)
    token = Token.objects.create(user=user)

    texts = [p.read_text().split() for p in sorted(AUDIO.glob("*.txt"))]
    source = itertools.cycle(word for text in texts for word in text)
    total = int(10 * 60 / SECONDS_PER_WORD)
    segments, clock = [], 0.0
    for number in range(0, total, WORDS_PER_SEGMENT):
        words = []
        for _ in range(min(WORDS_PER_SEGMENT, total - number)):
            words.append(Word(next(source), clock, clock + SECONDS_PER_WORD * 0.9, 0.9))
            clock += SECONDS_PER_WORD
        speaker = f"SPEAKER_0{(number // (WORDS_PER_SEGMENT * 5)) % 3}"
        text = " ".join(w.text for w in words)
        segments.append(Segment(words[0].start, words[-1].end, text, 0.9, tuple(words), speaker))
    job = TranscriptionJob.objects.create(
        organization=organization, engine="whisper", status=JobStatus.COMPLETED,
        progress=100, duration_seconds=clock, original_filename="ten-minutes.wav",
        finished_at=timezone.now(), providers=["whisper"],
    )  # fmt: skip
    transcript_store_original(job, segments, language="en")
    return Fixture(str(job.pk), raw_key, token.key)


def _polls(base: str, fixture: Fixture, args: argparse.Namespace) -> dict[str, list[float]]:
    targets = {
        "bare DRF + token": (
            f"{base}/bench/bare/jobs/{fixture.job_id}/",
            f"Token {fixture.token}",
        ),
        "Hark + API key": (
            f"{base}/api/v1/transcribe/{fixture.job_id}/",
            f"Bearer {fixture.api_key}",
        ),
        "bare, no throttle": (
            f"{base}/bench/unthrottled/jobs/{fixture.job_id}/",
            f"Token {fixture.token}",
        ),
    }
    for url, auth in targets.values():  # warm both up, and check they answer
        answer = httpx.get(url, headers={"Authorization": auth})
        if answer.status_code != 200:
            raise SystemExit(f"{url} answered {answer.status_code}: {answer.text[:300]}")
    results: dict[str, list[float]] = {name: [] for name in targets}
    for round_number in range(args.rounds):
        for name, (url, auth) in targets.items():
            rate = _poll_rate(url, auth, clients=args.clients, seconds=args.seconds)
            results[name].append(rate)
            print(f"round {round_number + 1}: {name:<17} {rate:7.1f} polls/s", flush=True)
    return results


def _poll_rate(url: str, auth: str, *, clients: int, seconds: float) -> float:
    counts = [0] * clients
    failures: list[str] = []
    stop_at = time.monotonic() + seconds

    def poll(index: int) -> None:
        with httpx.Client(headers={"Authorization": auth}, timeout=30) as client:
            while time.monotonic() < stop_at:
                answer = client.get(url)
                if answer.status_code != 200:
                    failures.append(f"{answer.status_code} {answer.text[:200]}")
                    return
                counts[index] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=poll, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"a poll failed: {failures[0]}")
    return sum(counts) / (time.monotonic() - started)


def _upload_memory(
    base: str, fixture: Fixture, server_pid: int, upload_mb: int
) -> dict[str, tuple[float, float]]:
    """Upload size label → (resident growth of the busiest web process in MB, seconds)."""
    found = {}
    for label, size_mb in (("10 MB", 10), (f"{upload_mb} MB", upload_mb)):
        path = _wav(ROOT / f"upload-{size_mb}.wav", size_mb * 1024 * 1024)
        web_pids = [pid for pid in descendants(server_pid) if pid != server_pid]
        before = {pid: _rss_mb(pid) for pid in web_pids}
        peaks = dict(before)
        done = threading.Event()

        def sample(
            pids: list[int] = web_pids, peaks: dict[int, float] = peaks, done: Any = done
        ) -> None:
            while not done.is_set():
                for pid in pids:
                    peaks[pid] = max(peaks[pid], _rss_mb(pid))
                time.sleep(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.monotonic()
        try:
            with path.open("rb") as audio:
                answer = httpx.post(
                    f"{base}/api/v1/transcribe/",
                    headers={"Authorization": f"Bearer {fixture.api_key}"},
                    files={"file": (path.name, audio, "audio/wav")},
                    timeout=600,
                )
        finally:
            done.set()
            sampler.join()
        seconds = time.monotonic() - started
        path.unlink()
        if answer.status_code != 200:
            raise SystemExit(f"the {label} upload answered {answer.status_code}: {answer.text}")
        growth = max(peaks[pid] - before[pid] for pid in web_pids)
        found[label] = (growth, seconds)
        print(f"upload {label:>8}: web process grew {growth:6.1f} MB in {seconds:.1f} s")
    return found


def _wav(path: Path, size: int) -> Path:
    """A 16 kHz mono WAV of about ``size`` bytes: real speech, repeated."""
    with wave.open(str(AUDIO / "librivox_ss01_0870.wav")) as source:
        frames = source.readframes(source.getnframes())
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        written = 0
        while written < size:
            out.writeframes(frames)
            written += len(frames)
    return path


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _report(
    polls: dict[str, list[float]],
    memory: dict[str, tuple[float, float]],
    args: argparse.Namespace,
) -> None:
    print("\n== results")
    medians: dict[str, Any] = {name: statistics.median(rates) for name, rates in polls.items()}
    bare, hark = medians["bare DRF + token"], medians["Hark + API key"]
    rounds = f"median of {args.rounds} rounds of {args.seconds:g} s"
    print(f"status polls ({args.clients} clients, {rounds}):")
    print(f"  bare DRF view + token : {bare:7.1f} polls/s")
    print(f"  Hark GET + API key    : {hark:7.1f} polls/s")
    verdict = "meets" if hark / bare >= POLL_TARGET else "misses"
    print(f"  Hark ÷ bare           : {hark / bare:.2f} ({verdict} the target ≥ {POLL_TARGET})")
    free = medians["bare, no throttle"]
    print(f"  bare without throttle : {free:7.1f} polls/s (Hark ÷ it: {hark / free:.2f}; the")
    print("    throttle's write to the shared cache is the difference)")
    print("upload memory (growth of the web process that took the upload):")
    for label, (growth, seconds) in memory.items():
        print(f"  {label:>8}: {growth:6.1f} MB ({seconds:.1f} s)")
    big = list(memory.values())[-1][0]
    verdict = "meets" if big <= MEMORY_TARGET_MB else "misses"
    print(f"  largest upload {verdict} the target ≤ {MEMORY_TARGET_MB:g} MB")


if __name__ == "__main__":
    raise SystemExit(main())
