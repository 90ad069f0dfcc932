"""Whisper on this server: how fast, how accurate, how big, and what Hark adds. One command.

    .venv/bin/python bench/whisper.py                    # 10 minutes of speech (~8 min)
    .venv/bin/python bench/whisper.py --minutes 1        # to check that it works (~1.5 min)
    .venv/bin/python bench/whisper.py --compare-workers  # also 1 worker using every core

The recording is real speech: the shared clips that have a reference transcript, whole
and half a second apart, looped to at least ``--minutes``. The card clips are left out:
their numbers are spelled out in the references and Whisper writes digits. On it:

* **each engine alone**, each in a fresh process so that its peak memory (VmHWM, the
  model included) is its own: pocketsphinx (``local``), and Whisper (``whisper``) with
  the CTranslate2 threads one of two workers gets (``HARK_WHISPER_THREADS``: cores // 2)
  and with every core. One warm-up call (jfk.flac) first loads the model, as a
  long-lived worker has it loaded; then the whole file is timed in one call;
* **the pipeline**: ``POST /api/v1/transcribe/`` with ``model=whisper`` to ``runserver``
  and a real ``qcluster`` with 2 workers in a throwaway installation (temporary SQLite
  database and media), polled until "completed", after one warm-up job per worker. Long
  audio is cut into ~30 s chunks (``HARK_LOCAL_CHUNK_SECONDS``) that the workers
  transcribe in parallel. ``--compare-workers`` repeats it with 1 worker and every core.

It prints wall and CPU seconds, real-time factors, peak memory, word error rates, the
pipeline ÷ engine ratio (engine: Whisper alone with its faster thread setting, i.e. what
running faster-whisper directly on the whole file costs), memory per worker, and the
targets: pipeline ÷ engine <= 1.05 at 10 minutes; pipeline real-time factor <= 0.35 with
2 workers on 2 cores; Whisper's word error rate at least 3x lower than pocketsphinx's
(the worst of Whisper's runs counts); peak worker memory <= 700 MB.

Exit status: 0 whether or not targets are met (it is a benchmark, not a test); 1 when
something broke (a job failed, an engine returned nothing, a step ran out of time).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    # Run as a script, only bench/ is on the path; the repository's packages are needed.
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from bench._api import BenchmarkBroken, JobTimeline, PipelineRun, job_timeline  # noqa: E402
from bench._install import (  # noqa: E402
    Installation,
    installation_env,
    installation_prepare,
    services_running,
)
from bench._procs import (  # noqa: E402
    ProcessMemory,
    cpu_seconds,
    descendants,
    own_peak_rss_mb,
    process_tree_memory,
    qcluster_roles,
)
from bench._report import OTHER_LOAD_WARNING  # noqa: E402
from jobs.media.decode import SAMPLE_RATE, SAMPLE_WIDTH, pcm_stream  # noqa: E402
from lib.wer import word_error_rate  # noqa: E402
from tests.audio_fixtures import SHARED_AUDIO, SPEECH_CLIPS, reference_text  # noqa: E402

# pipeline seconds / engine seconds, by audio minutes; other lengths get no verdict.
RATIO_TARGETS: dict[float, float] = {10.0: 1.05}
PIPELINE_RTF_TARGET = 0.35  # 2 workers on 2 cores
WER_FACTOR_TARGET = 3.0  # Whisper's word error rate at least this many times lower
WORKER_MEMORY_TARGET_MB = 700.0
CLIPS = tuple(name for name in SPEECH_CLIPS if not name.startswith("cards_"))
WARM_UP = SHARED_AUDIO / "jfk.flac"
GAP_SECONDS = 0.5
# Both engines are asked for English: pocketsphinx knows nothing else, and the speech is.
LANGUAGE = "en"
CORES = os.cpu_count() or 1
# Slower than real time would already be a failure; this only keeps a hung step bounded.
TIMEOUT_PER_AUDIO_SECOND = 3.0
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class Speech:
    path: Path
    seconds: float
    reference: str


@dataclass(frozen=True)
class EngineRun:
    engine: str
    threads: int | None  # CTranslate2 threads; None for pocketsphinx
    wall: float
    cpu: float
    first_call: float  # the warm-up call: model load plus 11 s of speech
    peak_mb: float
    wer: float


@dataclass(frozen=True)
class PipelineResult:
    workers: int
    threads: int
    seconds: float
    worker_cpu: float  # every process of the qcluster, while the job ran
    timeline: JobTimeline
    worker_peak_mb: float
    tree: list[ProcessMemory]
    wer: float


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="speech length (10)")
    parser.add_argument(
        "--compare-workers", action="store_true",
        help="also run the pipeline with 1 worker using every core",
    )  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the temporary installation")
    # The engine-alone runs: this script again, in a fresh process.
    parser.add_argument("--engine-alone", nargs=2, metavar=("ENGINE", "AUDIO"), help="(internal)")
    args = parser.parse_args(argv)
    if args.engine_alone:
        return _engine_alone_child(*args.engine_alone)
    began = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="hark-bench-whisper-"))
    try:
        _benchmark(root, args.minutes, compare=args.compare_workers)
    except (BenchmarkBroken, subprocess.TimeoutExpired) as exc:
        kept = f"Logs and data: {root}" if args.keep else "Rerun with --keep to keep logs."
        print(f"\nBENCHMARK BROKEN: {exc}\n{kept}", file=sys.stderr)
        return 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    print(f"Total benchmark time: {time.monotonic() - began:.0f} s")
    return 0


def _benchmark(root: Path, minutes: float, *, compare: bool) -> None:
    speech = speech_with_reference(minutes * 60, root / f"speech-{minutes:g}min.wav")
    # Every process of the installation (migrate included, which checks the engines)
    # finds the model `manage.py whisper_model` verified, instead of assembling and
    # hashing 145 MB again in the temporary folder (the default HARK_WHISPER_DOWNLOAD_ROOT
    # is under HARK_VAR_DIR). rmtree removes the link, never what it points to.
    models = _models_folder()
    models.mkdir(parents=True, exist_ok=True)
    (root / "models").symlink_to(models, target_is_directory=True)
    loads: list[float] = []
    engines = []
    # A worker's share of the cores when there are two workers, then every core.
    whisper_threads = sorted({max(1, CORES // 2), CORES})
    for engine, threads in [("local", None), *(("whisper", n) for n in whisper_threads)]:
        loads.append(os.getloadavg()[0])
        _say(f"engine alone: {engine}" + (f", {threads} thread(s)" if threads else ""))
        engines.append(engine_alone(root, speech, engine, threads))
    installation = installation_prepare(root, workers=2)
    pipelines = []
    for workers, threads in [(2, max(1, CORES // 2)), (1, CORES)][: 2 if compare else 1]:
        loads.append(os.getloadavg()[0])
        _say(f"pipeline: {workers} worker(s), {threads} thread(s) each")
        pipelines.append(pipeline(installation, speech, workers, threads))
    print_report(speech, engines, pipelines, minutes=minutes, peak_load=max(loads))


# --- the engine alone -------------------------------------------------------------------


def engine_alone(root: Path, speech: Speech, engine: str, threads: int | None) -> EngineRun:
    """Run ``engine`` on ``speech`` in a fresh process of this script and read its figures."""
    env = _whisper_env(installation_env(root), workers=2, threads=threads or 1)
    command = [sys.executable, __file__, "--engine-alone", engine, str(speech.path)]
    timeout = 120 + speech.seconds * TIMEOUT_PER_AUDIO_SECOND
    done = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise BenchmarkBroken(f"the {engine} engine alone failed:\n{done.stderr[-2000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    if not figures["text"].strip():
        raise BenchmarkBroken(f"the {engine} engine alone returned no text")
    return EngineRun(
        engine=engine,
        threads=threads if engine == "whisper" else None,
        wall=figures["wall"],
        cpu=figures["cpu"],
        first_call=figures["first_call"],
        peak_mb=figures["peak_mb"],
        wer=word_error_rate(speech.reference, figures["text"]),
    )


def _engine_alone_child(engine: str, audio: str) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from jobs.engines import get_engine
    from jobs.engines.base import TranscriptionRequest

    def call(path: Path) -> tuple[float, float, str]:
        request = TranscriptionRequest(path=path, language=LANGUAGE)
        started, cpu_started = time.perf_counter(), time.process_time()
        result = get_engine(engine).transcribe(request, lambda fraction: None)
        # process_time counts every thread of the process: CTranslate2's included.
        return time.perf_counter() - started, time.process_time() - cpu_started, result.text

    first_call, _, _ = call(WARM_UP)
    wall, cpu, text = call(Path(audio))
    # ru_maxrss is the kernel's VmHWM of this process: the engine, its model and Django.
    figures = {"wall": wall, "cpu": cpu, "first_call": first_call, "text": text}
    print(json.dumps({**figures, "peak_mb": own_peak_rss_mb()}))
    return 0


# --- the pipeline -----------------------------------------------------------------------


def pipeline(
    installation: Installation, speech: Speech, workers: int, threads: int
) -> PipelineResult:
    """One job through runserver and a qcluster of ``workers`` with ``threads`` each."""
    env = _whisper_env(installation.env, workers=workers, threads=threads)
    configured = dataclasses.replace(installation, env=env)
    timeout = 120 + speech.seconds * TIMEOUT_PER_AUDIO_SECOND
    headers = {"Authorization": f"Bearer {installation.api_key}"}
    with (
        services_running(configured) as services,
        # Ten minutes of WAV is 19 MB to a dev server: httpx's default 5 s may not do.
        httpx.Client(base_url=services.base_url, headers=headers, timeout=120) as client,
    ):
        # One warm-up job per worker, all at once, so each worker loads its model now.
        warm_ups = [_submit(client, WARM_UP) for _ in range(workers)]
        for warm_up in warm_ups:
            _wait(client, warm_up, timeout=300)
        before = cpu_seconds(descendants(services.qcluster_pid))
        job = _submit(client, speech.path)
        run, transcript = _wait(client, job, timeout=timeout)
        after = cpu_seconds(descendants(services.qcluster_pid))
        tree = process_tree_memory(services.qcluster_pid, qcluster_roles(services.qcluster_log))
    worker_peaks = [p.peak_mb for p in tree if p.role == "worker"]
    return PipelineResult(
        workers=workers,
        threads=threads,
        seconds=run.seconds,
        worker_cpu=sum(after[pid] - before.get(pid, 0.0) for pid in after),
        timeline=job_timeline(installation.database, run),
        # If no worker could be recognised, the largest process is the honest bound.
        worker_peak_mb=max(worker_peaks or [p.peak_mb for p in tree] or [0.0]),
        tree=tree,
        wer=word_error_rate(speech.reference, transcript),
    )


@dataclass(frozen=True)
class _Submitted:
    job_id: str
    started: float  # perf_counter just before the POST
    submitted_at: float  # wall clock just before the POST
    accepted_at: float  # wall clock when the POST's answer arrived


def _submit(client: httpx.Client, audio: Path) -> _Submitted:
    """POST ``audio`` as a Whisper job."""
    submitted_at, started = time.time(), time.perf_counter()
    with audio.open("rb") as handle:
        response = client.post(
            "/api/v1/transcribe/",
            data={"model": "whisper", "language": LANGUAGE},
            files={"file": (audio.name, handle, f"audio/{audio.suffix.lstrip('.')}")},
        )
    job_id = str(_body(response, "upload")["id"])
    return _Submitted(job_id, started, submitted_at, time.time())


def _wait(client: httpx.Client, job: _Submitted, *, timeout: float) -> tuple[PipelineRun, str]:
    """Poll until the job completes: its run, timed from just before the POST, and text."""
    polls = 0
    while time.perf_counter() < job.started + timeout:
        body = _body(client.get(f"/api/v1/transcribe/{job.job_id}/"), "poll")
        polls += 1
        if body["status"] == "completed":
            seconds, seen_at = time.perf_counter() - job.started, time.time()
            # Routing falls back to another engine when Whisper cannot serve: not this one.
            if body.get("model") != "whisper":
                raise BenchmarkBroken(f"job {job.job_id} was served by {body.get('model')!r}")
            transcript = str(body.get("transcript") or "")
            if not transcript.strip():
                raise BenchmarkBroken(f"job {job.job_id} completed with an empty transcript")
            run = PipelineRun(
                job.job_id, seconds, job.submitted_at, job.accepted_at, seen_at, polls
            )
            return run, transcript
        if body["status"] in {"failed", "canceled"}:
            message = body.get("error_message")
            raise BenchmarkBroken(f"job {job.job_id} {body['status']}: {message}")
        time.sleep(POLL_SECONDS)
    raise BenchmarkBroken(f"job {job.job_id} did not complete within {timeout:.0f} s")


def _body(response: httpx.Response, what: str) -> dict[str, Any]:
    if response.status_code != httpx.codes.OK:
        raise BenchmarkBroken(f"{what} answered {response.status_code}: {response.text[:500]}")
    body: dict[str, Any] = response.json()
    return body


def _whisper_env(env: dict[str, str], *, workers: int, threads: int) -> dict[str, str]:
    return {**env, "HARK_WORKERS": str(workers), "HARK_WHISPER_THREADS": str(threads)}


def _models_folder() -> Path:
    """Where this checkout's settings keep the Whisper model (as `whisper_model` puts it)."""
    root = os.environ.get("HARK_WHISPER_DOWNLOAD_ROOT")
    return (
        Path(root) if root else Path(os.environ.get("HARK_VAR_DIR") or REPO_ROOT / "var") / "models"
    )


# --- audio, report, plumbing ------------------------------------------------------------


def speech_with_reference(seconds: float, dest: Path) -> Speech:
    """Whole clips with references in turn, 0.5 s apart, until at least ``seconds``."""
    gap = bytes(round(GAP_SECONDS * SAMPLE_RATE) * SAMPLE_WIDTH)
    target = seconds * SAMPLE_RATE * SAMPLE_WIDTH
    written, references = 0, []
    with wave.open(str(dest), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(SAMPLE_RATE)
        while written < target:
            for name in CLIPS:
                for block in [*pcm_stream(SHARED_AUDIO / name), gap]:
                    out.writeframesraw(block)
                    written += len(block)
                references.append(reference_text(name))
                if written >= target:
                    break
    return Speech(dest, written / (SAMPLE_RATE * SAMPLE_WIDTH), " ".join(references))


def print_report(
    speech: Speech,
    engines: list[EngineRun],
    pipelines: list[PipelineResult],
    *,
    minutes: float,
    peak_load: float,
) -> None:
    words = len(speech.reference.split())
    print(f"\n{speech.seconds:.1f} s of real speech ({words} reference words); {CORES} CPUs")
    print("\nEngine alone (a fresh process each; after one warm-up call)")
    print(
        f"{'engine':<13} {'threads':>7} {'wall s':>8} {'CPU s':>8} {'RTF':>6} "
        f"{'first call s':>12} {'peak MB':>8} {'WER':>6}"
    )
    for e in engines:
        print(
            f"{_engine_label(e.engine):<13} {e.threads or '-':>7} {e.wall:>8.2f} {e.cpu:>8.2f} "
            f"{e.wall / speech.seconds:>6.3f} {e.first_call:>12.2f} {e.peak_mb:>8.0f} "
            f"{e.wer:>6.3f}"
        )
    whispers = [e for e in engines if e.engine == "whisper"]
    best = min(whispers, key=lambda e: e.wall)
    if len(whispers) > 1:
        low, high = whispers[0], whispers[-1]
        print(
            f"  {high.threads} threads vs {low.threads}: {low.wall / high.wall:.2f}x the speed "
            f"for {high.cpu / low.cpu:.2f}x the CPU seconds"
        )
    print("  first call: the warm-up (model load, then jfk.flac, 11 s)")
    print("\nPipeline: POST /api/v1/transcribe/ (model=whisper) -> completed; runserver + qcluster")
    print(
        f"{'workers':>7} {'threads':>7} {'chunks':>6} {'wall s':>8} {'CPU s':>8} {'RTF':>6} "
        f"{'pipeline/engine':>15} {'worker peak MB':>14} {'WER':>6}"
    )
    for p in pipelines:
        print(
            f"{p.workers:>7} {p.threads:>7} {p.timeline.chunks:>6} {p.seconds:>8.2f} "
            f"{p.worker_cpu:>8.2f} {p.seconds / speech.seconds:>6.3f} "
            f"{p.seconds / best.wall:>15.3f} {p.worker_peak_mb:>14.0f} {p.wer:>6.3f}"
        )
    for p in pipelines:
        t = p.timeline
        print(
            f"  {p.workers} worker(s): upload {t.upload:.2f} s, dispatch {t.dispatch:.2f} s, "
            f"worker {t.worker:.2f} s, finish+see {t.finish_and_see:.2f} s"
        )
    print(f"  engine: Whisper alone with {best.threads} thread(s), the faster setting")
    print("  CPU s: every qcluster process while the job ran")
    if len(pipelines) > 1:
        fast = min(pipelines, key=lambda p: p.seconds)
        print(
            f"  fastest for one job: {fast.workers} worker(s) x {fast.threads} thread(s); two "
            "workers also serve two jobs at once"
        )
    _print_targets(speech, best, engines, pipelines[0], minutes=minutes)
    _print_capacity(pipelines[0])
    print(f"\nPeak 1-minute load average at the start of a run: {peak_load:.1f} ({CORES} CPUs)")
    if peak_load > 1 + OTHER_LOAD_WARNING:
        print("  Other work was running: wall times are noisy; compare CPU s, or rerun idle.")


def _print_targets(
    speech: Speech,
    best: EngineRun,
    engines: list[EngineRun],
    pipeline: PipelineResult,
    *,
    minutes: float,
) -> None:
    ratio, rtf = pipeline.seconds / best.wall, pipeline.seconds / speech.seconds
    ratio_target = RATIO_TARGETS.get(minutes)
    pocketsphinx = next(e.wer for e in engines if e.engine == "local")
    # The worst of Whisper's figures, alone or through the pipeline, is the one promised.
    whisper = max([e.wer for e in engines if e.engine == "whisper"] + [pipeline.wer])
    factor = pocketsphinx / whisper if whisper else float("inf")
    peak = pipeline.worker_peak_mb
    print("\nTargets")
    print(
        f"  pipeline / engine: {ratio:.3f} (target <= {RATIO_TARGETS[10.0]:g} at 10 min): "
        + ("- (other length)" if ratio_target is None else _verdict(ratio <= ratio_target))
    )
    print(
        f"  pipeline RTF, {pipeline.workers} workers on {CORES} cores: {rtf:.3f} "
        f"(target <= {PIPELINE_RTF_TARGET:g}): {_verdict(rtf <= PIPELINE_RTF_TARGET)}"
    )
    print(
        f"  WER: whisper {whisper:.3f} (worst run) vs pocketsphinx {pocketsphinx:.3f}: "
        f"{factor:.1f}x lower (target >= {WER_FACTOR_TARGET:g}x): "
        f"{_verdict(factor >= WER_FACTOR_TARGET)}"
    )
    print(
        f"  peak worker memory: {peak:.0f} MB (target <= {WORKER_MEMORY_TARGET_MB:.0f} MB): "
        f"{_verdict(peak <= WORKER_MEMORY_TARGET_MB)}"
    )


def _print_capacity(pipeline: PipelineResult) -> None:
    per_worker = pipeline.worker_peak_mb
    total = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**20
    fits = int(total // per_worker) if per_worker else 0
    print(
        f"\nMemory per worker: {per_worker:.0f} MB (VmHWM: Django, the worker and its "
        f"Whisper model, {pipeline.threads} thread(s)); the machine has {total:.0f} MB"
    )
    for process in pipeline.tree:
        print(f"  pid {process.pid:>7} {process.role:<10} VmHWM {process.peak_mb:>6.0f} MB")
    print(
        f"What limits workers per machine: {'cores' if fits >= CORES else 'memory'}. "
        f"Memory holds {fits} workers, but {CORES} cores keep only {CORES} one-thread "
        "workers busy at full speed; more workers than cores share them and every job "
        f"slows. Size workers to cores, and budget {per_worker:.0f} MB for each."
    )


def _engine_label(engine: str) -> str:
    return "pocketsphinx" if engine == "local" else engine


def _verdict(met: bool) -> str:
    return "PASS" if met else "FAIL"


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
