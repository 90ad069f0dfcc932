"""How much does the pipeline add to the engine? One command, one throwaway installation.

    .venv/bin/python bench/pipeline.py                 # 1 and 10 minutes of speech (~8 min)
    .venv/bin/python bench/pipeline.py --quick         # 6 s of speech, once (~20 s when idle)
    .venv/bin/python bench/pipeline.py --minutes 1 5 --repeats 3 2 --keep
    .venv/bin/python bench/pipeline.py --workers 2     # long jobs' chunks in parallel

It creates an installation in a temporary folder (``HARK_VAR_DIR``: SQLite database,
media, uploads), migrates it, creates an API key, and starts Django's ``runserver``
(gunicorn is not installed; runserver's threads are plenty for one client) and one
``qcluster`` with one worker (``--workers``; the targets assume one). For each length
of real speech it times

* the engine alone, in this process: ``LocalEngine().transcribe(...)``;
* the whole pipeline: ``POST /api/v1/transcribe/``, then ``GET`` every 0.1 s until
  the job is completed, from just before the POST to the poll that sees "completed";

after one warm-up job and one warm-up engine call, so both sides have a loaded decoder,
as a long-lived worker has. It prints medians, pipeline/engine ratios against their
targets, where the pipeline's seconds went, and the peak memory (VmHWM) of the worker
processes. The API rate limit is raised for the installation (``HARK_API_RATE``) because
polling ten times a second for ten minutes would exceed the default 600/min.

Exit status: 0 whether or not targets are met (it is a benchmark, not a test); 1 when
something broke (a job failed, an empty transcript, a server that would not start).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    # Run as a script, only bench/ is on the path; the repository's packages are needed.
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402

from bench._api import BenchmarkBroken, JobTimeline, job_timeline, run_pipeline  # noqa: E402
from bench._install import (  # noqa: E402
    Installation,
    Services,
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
from bench._report import LengthResult, MemoryResult, PipelineCpu, print_report  # noqa: E402
from jobs.engines.base import TranscriptionRequest  # noqa: E402
from jobs.engines.local import LocalEngine  # noqa: E402
from tests.audio_fixtures import concatenated_speech  # noqa: E402

WARM_UP_SECONDS = 3.0
QUICK_MINUTES = 0.1


@dataclass(frozen=True)
class Options:
    minutes: list[float]
    repeats: list[int]
    keep: bool
    workers: int


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0])
    parser.add_argument(
        "--repeats", type=int, nargs="+",
        help="runs per length, one value for all or one per --minutes (default 3 below "
        "5 minutes, else 1); the median is reported",
    )  # fmt: skip
    parser.add_argument(
        "--quick", action="store_true", help="6 s of speech, once (~20 s on an idle machine)"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary installation")
    parser.add_argument("--workers", type=int, default=1, help="qcluster workers (default 1)")
    args = parser.parse_args(argv)
    minutes: list[float] = [QUICK_MINUTES] if args.quick else sorted(args.minutes)
    repeats = _repeats_for(minutes, args.repeats, quick=args.quick)
    return Options(minutes=minutes, repeats=repeats, keep=args.keep, workers=args.workers)


def _repeats_for(minutes: list[float], given: list[int] | None, *, quick: bool) -> list[int]:
    if quick:
        return [1]
    if not given:
        # Short runs are noisy and cheap; long ones are steady and expensive.
        return [3 if length < 5 else 1 for length in minutes]
    if len(given) == 1:
        return given * len(minutes)
    if len(given) != len(minutes):
        raise SystemExit("--repeats takes one value, or one per --minutes value")
    return given


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    began = time.monotonic()
    with _workspace(keep=options.keep) as root:
        try:
            results, memory = _benchmark(root, options)
        except BenchmarkBroken as exc:
            kept = f"Logs and data: {root}" if options.keep else "Rerun with --keep to keep logs."
            print(f"\nBENCHMARK BROKEN: {exc}\n{kept}", file=sys.stderr)
            return 1
    print_report(results, memory, workers=options.workers, elapsed=time.monotonic() - began)
    return 0


def _benchmark(root: Path, options: Options) -> tuple[list[LengthResult], MemoryResult]:
    installation = installation_prepare(root, workers=options.workers)
    _say(f"installation in {root}; building audio")
    recordings = {length: _speech(root, length * 60) for length in options.minutes}
    warm_up_audio = _speech(root, WARM_UP_SECONDS)
    with services_running(installation) as services, _api(installation, services) as client:
        _say("warming up the worker and the engine")
        run_pipeline(client, warm_up_audio, timeout=120)
        engine_alone(warm_up_audio)
        worker_pids = _worker_pids(services, expected=options.workers)
        worker_after_warm_up = _worker_peak_mb(services)
        bench = _Bench(client, installation, services, worker_pids)
        results = [
            bench.measure_length(recordings[length], length, repeats)
            for length, repeats in zip(options.minutes, options.repeats, strict=True)
        ]
        return results, MemoryResult(
            worker_peak_mb=_worker_peak_mb(services),
            worker_after_warm_up_mb=worker_after_warm_up,
            bench_peak_mb=own_peak_rss_mb(),
            tree=_qcluster_memory(services),
        )


@dataclass(frozen=True)
class _Bench:
    client: httpx.Client
    installation: Installation
    services: Services
    worker_pids: frozenset[int]

    def measure_length(self, audio: Path, minutes: float, repeats: int) -> LengthResult:
        engine_runs: list[tuple[float, float]] = []
        pipeline_runs: list[float] = []
        timelines: list[JobTimeline] = []
        cpu_uses: list[PipelineCpu] = []
        peak_load = 0.0
        for attempt in range(1, repeats + 1):
            peak_load = max(peak_load, os.getloadavg()[0])
            _say(f"{minutes:g} min, run {attempt}/{repeats}: engine alone")
            engine_runs.append(engine_alone(audio))
            _say(f"{minutes:g} min, run {attempt}/{repeats}: pipeline")
            before = self._cpu()
            # Generous: the engine runs faster than real time even on a slow machine.
            run = run_pipeline(self.client, audio, timeout=120 + minutes * 60 * 3)
            cpu_uses.append(self._cpu_used(before, self._cpu()))
            pipeline_runs.append(run.seconds)
            timelines.append(job_timeline(self.installation.database, run))
        return LengthResult(
            minutes=minutes,
            engine_seconds=statistics.median(wall for wall, _ in engine_runs),
            engine_cpu_seconds=statistics.median(cpu for _, cpu in engine_runs),
            pipeline_seconds=statistics.median(pipeline_runs),
            timeline=_median_timeline(timelines),
            pipeline_cpu=_median_cpu(cpu_uses),
            engine_runs=[wall for wall, _ in engine_runs],
            pipeline_runs=pipeline_runs,
            peak_load=peak_load,
            worker_peak_mb=_worker_peak_mb(self.services),
        )

    def _cpu(self) -> dict[int, float]:
        pids = [self.services.server_pid, *descendants(self.services.qcluster_pid)]
        return cpu_seconds(pids)

    def _cpu_used(self, before: dict[int, float], after: dict[int, float]) -> PipelineCpu:
        used = {pid: after[pid] - before.get(pid, 0.0) for pid in after}
        worker = sum(used.pop(pid, 0.0) for pid in self.worker_pids)
        web = used.pop(self.services.server_pid, 0.0)
        return PipelineCpu(worker=worker, cluster_other=sum(used.values()), web=web)


def engine_alone(audio: Path) -> tuple[float, float]:
    """(wall, CPU) seconds of the local engine on ``audio`` in this process.

    CPU seconds are reported beside wall seconds because they barely move when other
    work shares the machine, while wall seconds do.
    """
    started, cpu_started = time.perf_counter(), time.process_time()
    result = LocalEngine().transcribe(TranscriptionRequest(path=audio), lambda fraction: None)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    if not result.text.strip():
        raise BenchmarkBroken(f"the engine alone returned no text for {audio.name}")
    return wall, cpu


def _median_cpu(uses: list[PipelineCpu]) -> PipelineCpu:
    return PipelineCpu(
        worker=statistics.median(u.worker for u in uses),
        cluster_other=statistics.median(u.cluster_other for u in uses),
        web=statistics.median(u.web for u in uses),
    )


def _median_timeline(timelines: list[JobTimeline]) -> JobTimeline:
    return JobTimeline(
        upload=statistics.median(t.upload for t in timelines),
        dispatch=statistics.median(t.dispatch for t in timelines),
        worker=statistics.median(t.worker for t in timelines),
        finish_and_see=statistics.median(t.finish_and_see for t in timelines),
        chunks=max(t.chunks for t in timelines),
        cut=_median_or_none([t.cut for t in timelines]),
    )


def _median_or_none(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.median(known) if known else None


def _qcluster_memory(services: Services) -> list[ProcessMemory]:
    roles = qcluster_roles(services.qcluster_log)
    return process_tree_memory(services.qcluster_pid, roles)


def _worker_pids(services: Services, *, expected: int) -> frozenset[int]:
    workers = [p.pid for p in _qcluster_memory(services) if p.role == "worker"]
    if len(workers) != expected:
        raise BenchmarkBroken(f"expected {expected} live qcluster worker(s), found {workers}")
    return frozenset(workers)


def _worker_peak_mb(services: Services) -> float:
    tree = _qcluster_memory(services)
    workers = [p.peak_mb for p in tree if p.role == "worker"]
    # If no process could be recognised as the worker, the largest one is the honest bound.
    return max(workers or [p.peak_mb for p in tree] or [0.0])


def _speech(root: Path, seconds: float) -> Path:
    return concatenated_speech(seconds, root / f"speech-{seconds:g}s.wav")


@contextmanager
def _api(installation: Installation, services: Services) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {installation.api_key}"}
    # The upload of ten minutes of WAV (19 MB) to a single-threaded dev server can take
    # a few seconds; the default 5 s timeout would turn a slow answer into a failure.
    with httpx.Client(base_url=services.base_url, headers=headers, timeout=120) as client:
        yield client


@contextmanager
def _workspace(*, keep: bool) -> Iterator[Path]:
    with ExitStack() as stack:
        if keep:
            root = Path(tempfile.mkdtemp(prefix="hark-bench-"))
        else:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hark-bench-")))
        yield root


def _say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
