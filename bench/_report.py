"""The pipeline benchmark's results and the table it prints."""

from __future__ import annotations

import os
from dataclasses import dataclass

from bench._api import JobTimeline
from bench._procs import ProcessMemory

# pipeline seconds / engine seconds, by audio minutes: the queue, upload and bookkeeping
# may add at most this much. Lengths not listed are reported without a verdict.
RATIO_TARGETS: dict[float, float] = {1.0: 1.15, 10.0: 1.05}
WORKER_MEMORY_TARGET_MB = 250.0
# Load average beyond the benchmark's own that makes wall-clock figures untrustworthy.
OTHER_LOAD_WARNING = 0.5


@dataclass(frozen=True)
class PipelineCpu:
    """CPU seconds the installation's processes spent while one pipeline run was timed."""

    worker: float  # the worker processes: media, engine, heartbeats, final writes
    cluster_other: float  # qcluster, sentinel, pusher, monitor: queue polling
    web: float  # runserver: the upload and every status poll


@dataclass(frozen=True)
class LengthResult:
    minutes: float
    engine_seconds: float  # median
    engine_cpu_seconds: float  # median
    pipeline_seconds: float  # median
    timeline: JobTimeline  # medians of each stage
    pipeline_cpu: PipelineCpu  # medians of each process group
    peak_load: float  # highest 1-minute load average seen when a run started
    worker_peak_mb: float  # the worker's VmHWM once this length's runs were done
    engine_runs: list[float]
    pipeline_runs: list[float]

    @property
    def audio_seconds(self) -> float:
        return self.minutes * 60

    @property
    def ratio(self) -> float:
        return self.pipeline_seconds / self.engine_seconds

    @property
    def real_time_factor(self) -> float:
        return self.engine_seconds / self.audio_seconds


@dataclass(frozen=True)
class MemoryResult:
    worker_peak_mb: float
    worker_after_warm_up_mb: float
    bench_peak_mb: float
    tree: list[ProcessMemory]


def print_report(
    results: list[LengthResult], memory: MemoryResult, *, workers: int, elapsed: float
) -> None:
    print()
    print(f"Pipeline vs engine alone (medians; runserver + qcluster with {workers} worker(s))")
    print(
        f"{'length':>8} {'audio s':>8} {'engine s':>9} {'pipeline s':>11} {'ratio':>6} "
        f"{'target':>7} {'result':>6} {'engine RTF':>11}"
    )
    for r in results:
        target = RATIO_TARGETS.get(r.minutes)
        print(
            f"{_length(r.minutes):>8} {r.audio_seconds:>8.1f} {r.engine_seconds:>9.2f} "
            f"{r.pipeline_seconds:>11.2f} {r.ratio:>6.3f} "
            f"{_target(target):>7} {_verdict(r.ratio, target):>6} {r.real_time_factor:>11.3f}"
        )
    print()
    print("Where the pipeline's seconds went (medians, s)")
    print(
        f"{'length':>8} {'upload':>7} {'dispatch':>9} {'worker':>8} {'chunks':>7} {'cut':>6} "
        f"{'finish+see':>11} {'worker-engine':>14}"
    )
    for r in results:
        t = r.timeline
        cut = "-" if t.cut is None else f"{t.cut:.2f}"
        print(
            f"{_length(r.minutes):>8} {t.upload:>7.2f} {t.dispatch:>9.2f} {t.worker:>8.2f} "
            f"{t.chunks:>7} {cut:>6} {t.finish_and_see:>11.2f} "
            f"{t.worker - r.engine_seconds:>14.2f}"
        )
    print("  upload: POST round trip (upload, probe, hold, store, enqueue)")
    print("  dispatch: POST answered -> worker claimed the job (queue polling)")
    print("  worker: claimed -> finished_at (media, engine, heartbeats; chunks if cut)")
    print("  chunks, cut: chunk tasks, and claimed -> the job's task had cut and queued them")
    print("  finish+see: finished_at -> client saw 'completed' (final writes, poll interval)")
    print("  worker-engine: worker stage minus the engine-alone median")
    print()
    print("CPU seconds (medians; less sensitive than wall time to other work on the machine)")
    print(
        f"{'length':>8} {'engine':>7} {'worker':>7} {'worker/engine':>14} "
        f"{'queue procs':>12} {'web':>6}"
    )
    for r in results:
        c = r.pipeline_cpu
        print(
            f"{_length(r.minutes):>8} {r.engine_cpu_seconds:>7.2f} {c.worker:>7.2f} "
            f"{c.worker / r.engine_cpu_seconds:>14.3f} {c.cluster_other:>12.2f} {c.web:>6.2f}"
        )
    print("  queue procs: qcluster, sentinel, pusher and monitor; web: runserver")
    print()
    longest = _length(results[-1].minutes) if results else "-"
    verdict = _verdict(memory.worker_peak_mb, WORKER_MEMORY_TARGET_MB)
    print(
        f"Worker peak memory (VmHWM) after the {longest} job: {memory.worker_peak_mb:.0f} MB "
        f"(target <= {WORKER_MEMORY_TARGET_MB:.0f} MB: {verdict}; "
        f"after warm-up: {memory.worker_after_warm_up_mb:.0f} MB)"
    )
    growth = ", ".join(f"{_length(r.minutes)}: {r.worker_peak_mb:.0f} MB" for r in results)
    print(f"  worker VmHWM after each length: {growth}")
    print(f"Benchmark process peak RSS (engine alone, ru_maxrss): {memory.bench_peak_mb:.0f} MB")
    for process in memory.tree:
        print(f"  pid {process.pid:>7} {process.role:<28} VmHWM {process.peak_mb:>6.0f} MB")
    print()
    for r in results:
        print(
            f"{_length(r.minutes)} runs: engine {_seconds(r.engine_runs)}, "
            f"pipeline {_seconds(r.pipeline_runs)}"
        )
    print(f"Total benchmark time: {elapsed:.0f} s")
    _print_load(results)


def _print_load(results: list[LengthResult]) -> None:
    peak = max((r.peak_load for r in results), default=0.0)
    print(f"Peak 1-minute load average at the start of a run: {peak:.1f} ({os.cpu_count()} CPUs)")
    # The benchmark itself keeps about one CPU busy; more than that is someone else's.
    if peak > 1 + OTHER_LOAD_WARNING:
        print(
            "  Other work was running: wall times (and the ratio) are noisy; compare the "
            "CPU table and the stage breakdown, or rerun on an idle machine."
        )


def _length(minutes: float) -> str:
    return f"{minutes:g} min"


def _target(target: float | None) -> str:
    return "-" if target is None else f"<={target:g}"


def _verdict(value: float, target: float | None) -> str:
    if target is None:
        return "-"
    return "PASS" if value <= target else "MISS"


def _seconds(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.2f}" for v in values) + "] s"
