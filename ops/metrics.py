"""``/metrics`` in Prometheus' text format, computed from the database at scrape time.

Per-process counters would be wrong here: web and worker processes on several machines
each see a slice of the work, and a restart forgets. The database holds the whole story,
so each scrape reads it:

- state now (gauges): jobs by kind and state, the queue, workers seen;
- money (counters): credits captured and refunded, from the append-only ledger, so they
  only ever grow;
- webhook attempts by outcome (counter) over the attempts kept (deleting an endpoint
  deletes its attempts, which Prometheus reads as a counter reset);
- durations and real-time factors (gauges) over the jobs finished in the last
  ``HARK_METRICS_WINDOW_SECONDS``: a distribution of recent work, not a running total.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum
from prometheus_client import generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector, CollectorRegistry

from billing.models import EntryKind, LedgerEntry
from jobs.models import JobStatus, TranscriptionJob
from jobs.translation.models import TranslationJob
from ops.selectors import queue_names, queue_stats, workers_seen
from webhooks.models import Attempt, AttemptOutcome

QUANTILES = (0.5, 0.9, 0.99, 1.0)


def quantile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank quantile: a value that occurred, never an interpolation."""
    rank = max(math.ceil(q * len(sorted_values)), 1)
    return sorted_values[rank - 1]


def _served_by(engine: str, providers: list[str] | None) -> str:
    # The provider that served most of the audio; the asked-for engine if none recorded.
    return providers[0] if providers else engine


def _elapsed(started: datetime | None, finished: datetime | None) -> float:
    if started is None or finished is None:
        return 0.0
    return max((finished - started).total_seconds(), 0.0)


class DatabaseCollector(Collector):
    """Yields every Hark metric, read from the database when Prometheus scrapes."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock

    def collect(self) -> Iterator[Metric]:
        now = self.clock()
        yield from self._jobs()
        yield from self._queue(now)
        yield from self._recent(now)
        yield from self._webhooks()
        yield from self._credits()

    def _jobs(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(
            "hark_jobs", "Jobs by kind and state, now.", labels=["kind", "state"]
        )
        for kind, model in (("transcription", TranscriptionJob), ("translation", TranslationJob)):
            counts = dict(
                model.objects.values_list("status")
                .annotate(n=Count("pk"))
                .values_list("status", "n")
            )
            for state in JobStatus.values:
                family.add_metric([kind, state], counts.get(state, 0))
        yield family

    def _queue(self, now: datetime) -> Iterator[Metric]:
        # One series per queue: deliveries have their own workers, and a backlog there
        # says something else than one of transcriptions.
        families = (
            GaugeMetricFamily(
                "hark_queue_depth", "Tasks due and waiting for a worker.", labels=["queue"]
            ),
            GaugeMetricFamily(
                "hark_queue_oldest_age_seconds",
                "How long the longest-waiting due task has waited (0 with none waiting).",
                labels=["queue"],
            ),
            GaugeMetricFamily(
                "hark_queue_locked_tasks",
                "Tasks taken by a worker or delayed on purpose (retries not yet due).",
                labels=["queue"],
            ),
        )
        read = [(queue, queue_stats(now=now, queue=queue)) for queue in queue_names()]
        for queue, stats in read:
            if stats is not None:
                for family, figure in zip(
                    families, (stats.depth, stats.oldest_age_seconds, stats.locked), strict=True
                ):
                    family.add_metric([queue], figure)
        if any(stats is not None for _, stats in read):
            yield from families
        within = settings.HARK_HEALTH_WORKER_SECONDS
        yield GaugeMetricFamily(
            "hark_workers_seen",
            f"Worker processes whose heartbeat is at most {within} s old.",
            value=len(workers_seen(now=now, within_seconds=within)),
        )

    def _recent(self, now: datetime) -> Iterator[Metric]:
        window = settings.HARK_METRICS_WINDOW_SECONDS
        since = now - timedelta(seconds=window)
        yield GaugeMetricFamily(
            "hark_metrics_window_seconds",
            "The window the hark_recent_* metrics cover.",
            value=window,
        )
        durations: dict[tuple[str, str], list[float]] = defaultdict(list)
        audio: dict[str, float] = defaultdict(float)
        processing: dict[str, float] = defaultdict(float)
        transcriptions = TranscriptionJob.objects.filter(
            status=JobStatus.COMPLETED, finished_at__gte=since, started_at__isnull=False
        ).values_list(
            "engine", "providers", "started_at", "finished_at", "duration_seconds",
            "trim_start", "trim_end",
        )  # fmt: skip
        for engine, providers, started, finished, duration, trim_start, trim_end in transcriptions:
            name = _served_by(engine, providers)
            seconds = _elapsed(started, finished)
            durations["transcription", name].append(seconds)
            # The audio transcribed: the trimmed span, as it was priced.
            audio[name] += max((duration if trim_end is None else trim_end) - trim_start, 0.0)
            processing[name] += seconds
        translations = TranslationJob.objects.filter(
            status=JobStatus.COMPLETED, finished_at__gte=since, started_at__isnull=False
        ).values_list("engine", "providers", "started_at", "finished_at")
        for engine, providers, started, finished in translations:
            seconds = _elapsed(started, finished)
            durations["translation", _served_by(engine, providers)].append(seconds)

        completed = GaugeMetricFamily(
            "hark_recent_jobs_completed",
            "Jobs completed in the window, by kind and the engine that served them.",
            labels=["kind", "engine"],
        )
        duration_family = GaugeMetricFamily(
            "hark_recent_job_duration_seconds",
            "From claim to completion, over jobs completed in the window (nearest-rank "
            "quantiles; 1 is the longest).",
            labels=["kind", "engine", "quantile"],
        )
        for (kind, engine), values in sorted(durations.items()):
            values.sort()
            completed.add_metric([kind, engine], len(values))
            for q in QUANTILES:
                duration_family.add_metric([kind, engine, f"{q:g}"], quantile(values, q))
        yield completed
        yield duration_family

        audio_family = GaugeMetricFamily(
            "hark_recent_audio_seconds",
            "Seconds of audio in the transcriptions completed in the window, by engine.",
            labels=["engine"],
        )
        rtf = GaugeMetricFamily(
            "hark_recent_realtime_factor",
            "Processing seconds per second of audio over transcriptions completed in the "
            "window, by engine (below 1 is faster than real time).",
            labels=["engine"],
        )
        for engine in sorted(audio):
            audio_family.add_metric([engine], audio[engine])
            if audio[engine] > 0:
                rtf.add_metric([engine], processing[engine] / audio[engine])
        yield audio_family
        yield rtf

    def _webhooks(self) -> Iterator[Metric]:
        counts = dict(
            Attempt.objects.values_list("outcome")
            .annotate(n=Count("pk"))
            .values_list("outcome", "n")
        )
        family = CounterMetricFamily(
            "hark_webhook_attempts", "Webhook delivery attempts by outcome.", labels=["outcome"]
        )
        for outcome in AttemptOutcome.values:
            family.add_metric([outcome], counts.get(outcome, 0))
        yield family

    def _credits(self) -> Iterator[Metric]:
        for kind, name, help_text in (
            (EntryKind.CHARGE, "hark_credits_captured", "Credits charged, by product."),
            (EntryKind.REFUND, "hark_credits_refunded", "Credits refunded, by product."),
        ):
            family = CounterMetricFamily(name, help_text, labels=["product"])
            sums = (
                LedgerEntry.objects.filter(kind=kind)
                .values_list("product")
                .annotate(total=Sum("amount"))
                .order_by("product")
                .values_list("product", "total")
            )
            for product, total in sums:
                family.add_metric([product or "other"], float(abs(total or Decimal(0))))
            yield family


def metrics_exposition(*, clock: Callable[[], datetime]) -> bytes:
    """The text Prometheus reads, from a registry of our one collector (none of the
    client's process defaults: those would describe just this one web process)."""

    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(clock))
    return generate_latest(registry)
