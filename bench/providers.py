"""Long audio in parallel: does chunking pay? One command, one throwaway installation.

    .venv/bin/python bench/providers.py            # the three measurements (~12 min)
    .venv/bin/python bench/providers.py --quick    # the same, on short audio (~3 min)
    .venv/bin/python bench/providers.py --only a   # one of a, b, c

(a) A 60-minute recording through a loopback OpenAI-compatible upstream whose answer
    takes 0.5 s + 0.1 s per second of audio (a Whisper-class model at ten times real
    time: six minutes for the hour), sent whole in one request (one worker) versus cut
    into 5-minute chunks on 4 workers. Target: chunked at least 3x faster.
(b) A 10-minute recording on the local engine (pocketsphinx), chunked, with 2 workers
    versus 1. Target: at least 1.7x faster on 2 cores.
(c) Word error rate on the shared audio (every clip with a reference, four times over,
    3.4 min), transcribed whole versus in chunks of the local engine's 30 s (cut at
    silences, joined by offsets). Target: chunked not worse.

Each run creates the job through ``job_create`` in this process and times it from the
moment it is queued until a real ``qcluster`` (started beforehand, with the settings of
the run) has completed it. The installation lives in a temporary folder: its own SQLite
database and media. Exit status 0 whether or not targets are met; 1 if a job failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import wave
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # run as a script: the repository's packages

ROOT = Path(tempfile.mkdtemp(prefix="hark-bench-providers-"))
BASE_ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith("HARK_") and k != "DATABASE_URL"},
    "HARK_VAR_DIR": str(ROOT),
    "DATABASE_URL": f"sqlite:///{ROOT / 'bench.sqlite3'}",
    "HARK_MAX_UPLOAD_MB": "2000",
    "HARK_LOG_LEVEL": "WARNING",
    "HARK_UPSTREAM_TIMEOUT_SECONDS": "900",
    "PYTHONUNBUFFERED": "1",
}
os.environ.update(BASE_ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

LATENCY_BASE, LATENCY_PER_SECOND = 0.5, 0.1


def latency(seconds: float) -> float:
    return LATENCY_BASE + LATENCY_PER_SECOND * seconds


@dataclass(frozen=True)
class Run:
    label: str
    seconds: float
    chunks: int
    transcript: str


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="short audio, to check it works")
    parser.add_argument("--only", nargs="+", choices=["a", "b", "c"], default=["a", "b", "c"])
    args = parser.parse_args(argv)
    from tests.upstreams.openai import OpenAIUpstream
    from tests.upstreams.transcribers import canned

    words = ["alpha", "bravo", "charlie", "delta"] * 2000
    with OpenAIUpstream(canned(words, every=0.5), latency=latency).running() as upstream:
        os.environ.update(
            HARK_OPENAI_BASE_URL=upstream.base_url,
            HARK_OPENAI_API_KEY=upstream.key,
            HARK_OPENAI_MODEL="whisper-1",
        )
        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        print(f"installation in {ROOT}; upstream at {upstream.base_url}", flush=True)
        results: list[str] = []
        try:
            if "a" in args.only:
                results += bench_upstream(quick=args.quick)
            if "b" in args.only:
                results += bench_local_workers(quick=args.quick)
            if "c" in args.only:
                results += bench_wer()
        except BenchFailed as exc:
            print(f"FAILED: {exc}", flush=True)
            return 1
    print("\n== results\n" + "\n".join(results), flush=True)
    return 0


class BenchFailed(Exception):
    pass


# --- the runs --------------------------------------------------------------------------


def bench_upstream(*, quick: bool) -> list[str]:
    from tests.audio_fixtures import concatenated_speech

    minutes = 6 if quick else 60
    chunk = 30 if quick else 300
    audio = concatenated_speech(minutes * 60, ROOT / f"speech-{minutes}min.wav")
    # A chunk length longer than the audio: one request for the whole hour.
    whole_env = {"HARK_UPSTREAM_CHUNK_SECONDS": str(minutes * 120)}
    whole = run_job(audio, "openai", workers=1, label="(a) upstream, whole", env=whole_env)
    chunk_env = {"HARK_UPSTREAM_CHUNK_SECONDS": str(chunk)}
    chunked = run_job(audio, "openai", workers=4, label="(a) upstream, chunked", env=chunk_env)
    speedup = whole.seconds / chunked.seconds
    return [
        f"(a) upstream latency {LATENCY_BASE} s + {LATENCY_PER_SECOND} s per audio second",
        f"    whole, 1 request, 1 worker: {whole.seconds:7.1f} s",
        f"    {chunked.chunks} chunks of <= {chunk} s, 4 workers: {chunked.seconds:7.1f} s",
        f"    speed-up {speedup:.2f}x (target >= 3x): {'met' if speedup >= 3 else 'NOT met'}",
    ]


def bench_local_workers(*, quick: bool) -> list[str]:
    from tests.audio_fixtures import concatenated_speech

    minutes = 2 if quick else 10
    audio = concatenated_speech(minutes * 60, ROOT / f"speech-{minutes}min-local.wav")
    one = run_job(audio, "local", workers=1, label=f"(b) {minutes} min local, 1 worker")
    two = run_job(audio, "local", workers=2, label=f"(b) {minutes} min local, 2 workers")
    speedup = one.seconds / two.seconds
    return [
        f"(b) local engine, {one.chunks} chunks of <= 30 s, {os.cpu_count()} CPUs",
        f"    1 worker:  {one.seconds:7.1f} s",
        f"    2 workers: {two.seconds:7.1f} s",
        f"    speed-up {speedup:.2f}x (target >= 1.7x): {'met' if speedup >= 1.7 else 'NOT met'}",
    ]


def bench_wer() -> list[str]:
    from jobs.engines.base import TranscriptionRequest
    from jobs.engines.local import LocalEngine
    from lib.wer import word_error_rate
    from tests.audio_fixtures import SPEECH_CLIPS, reference_text

    audio, reference = shared_speech(ROOT / "shared-speech.wav", repeats=4)
    whole = LocalEngine().transcribe(TranscriptionRequest(path=audio), lambda _: None).text
    chunked = run_job(audio, "local", workers=2, label="(c) shared audio, chunked")
    whole_wer = word_error_rate(reference, whole)
    chunked_wer = word_error_rate(reference, chunked.transcript)
    per_clip = []
    for name in SPEECH_CLIPS:
        request = TranscriptionRequest(path=audio_path(name))
        heard = LocalEngine().transcribe(request, lambda _: None).text
        per_clip.append(word_error_rate(reference_text(name), heard))
    return [
        f"(c) word error rate on the shared audio ({len(SPEECH_CLIPS)} clips four times, "
        f"{len(reference.split())} words)",
        f"    whole:                      {whole_wer:.3f}",
        f"    {chunked.chunks} chunks of <= 30 s:         {chunked_wer:.3f}",
        f"    each clip on its own (mean): {sum(per_clip) / len(per_clip):.3f}",
        f"    chunked not worse: {'met' if chunked_wer <= whole_wer + 1e-9 else 'NOT met'}",
    ]


# --- helpers ---------------------------------------------------------------------------


def audio_path(name: str) -> Path:
    from tests.audio_fixtures import SHARED_AUDIO

    return SHARED_AUDIO / name


def shared_speech(dest: Path, *, repeats: int) -> tuple[Path, str]:
    """Every shared clip with a reference, ``repeats`` times, half a second apart; and
    its reference."""
    from jobs.media.decode import SAMPLE_RATE, pcm_stream
    from tests.audio_fixtures import SPEECH_CLIPS, reference_text

    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        for _ in range(repeats):
            for name in SPEECH_CLIPS:
                for block in pcm_stream(audio_path(name)):
                    out.writeframesraw(block)
                out.writeframesraw(bytes(SAMPLE_RATE))  # 0.5 s
    return dest, " ".join(reference_text(name) for name in SPEECH_CLIPS * repeats)


def run_job(
    audio: Path, model: str, *, workers: int, label: str, env: dict[str, str] | None = None
) -> Run:
    from decimal import Decimal

    from accounts.models import User
    from accounts.services import organization_create
    from billing.services import credits_grant
    from jobs.models import JobStatus
    from jobs.options import TranscriptionOptions
    from jobs.services.intake import job_create
    from jobs.transcripts.selectors import job_text

    user, _ = User.objects.get_or_create(email="bench@example.org")
    organization = organization_create(name=f"bench {label}", owner=user)
    credits_grant(organization=organization, amount=Decimal(10_000), reason="benchmark")
    with cluster(workers=workers, env=env or {}):
        options = TranscriptionOptions(model=model, language="en")
        job = job_create(
            organization=organization, path=audio, filename=audio.name, options=options
        )
        started = time.monotonic()
        while True:
            job.refresh_from_db()
            if job.is_finished:
                break
            time.sleep(0.2)
        elapsed = time.monotonic() - started
    if job.status != JobStatus.COMPLETED:
        raise BenchFailed(f"{label}: job {job.status}: {job.error_message}")
    print(f"{label}: {elapsed:.1f} s ({job.chunks_total} chunks)", flush=True)
    return Run(label, elapsed, job.chunks_total, job_text(job))


@contextmanager
def cluster(*, workers: int, env: dict[str, str]) -> Iterator[None]:
    """A qcluster with ``workers`` workers, given time to start before the job is queued."""
    log = (ROOT / f"qcluster-{time.monotonic_ns()}.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, str(REPO_ROOT / "manage.py"), "qcluster"],
        cwd=REPO_ROOT, env={**os.environ, "HARK_WORKERS": str(workers), **env},
        start_new_session=True, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        time.sleep(4)
        if process.poll() is not None:
            raise BenchFailed(f"qcluster exited; see {log.name}")
        yield
    finally:
        os.killpg(process.pid, 15)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, 9)
        log.close()


if __name__ == "__main__":
    sys.exit(main())
