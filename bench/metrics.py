"""How long does a Prometheus scrape of ``/metrics`` take as the database grows?

    .venv/bin/python bench/metrics.py                  # 100,000 jobs, SQLite
    .venv/bin/python bench/metrics.py --jobs 20000 --runs 5

Builds, in a fresh SQLite database under a temporary folder, ``--jobs`` transcription
jobs (90% completed, the rest spread over the other states; a tenth of them finished in
the last hour, so inside the window that durations and real-time factors cover), a
charge in the ledger per completed job and a webhook delivery with two attempts per
tenth job. Then it renders the exposition ``--runs`` times and prints the median and
the slowest. The target is well under a scrape interval: median ≤ 1 s. Exit status 0
either way.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

TARGET_SECONDS = 1.0


def build(jobs: int) -> None:
    from django.utils import timezone

    from accounts.models import Organization
    from billing.models import EntryKind, LedgerEntry, Wallet
    from jobs.models import JobStatus, TranscriptionJob
    from webhooks.models import Attempt, AttemptOutcome, Delivery

    now = timezone.now()
    organization = Organization.objects.create(name="bench")
    wallet = Wallet.objects.create(organization=organization)
    states = [JobStatus.FAILED, JobStatus.CANCELED, JobStatus.QUEUED, JobStatus.PROCESSING]
    rows = []
    for i in range(jobs):
        status = JobStatus.COMPLETED if i % 10 else states[(i // 10) % len(states)]
        # One in ten in the last hour; the rest spread over the past year.
        finished = (
            now - timedelta(minutes=i % 60) if i % 10 == 1 else now - timedelta(hours=i % 8760)
        )
        rows.append(
            TranscriptionJob(
                organization=organization, status=status, engine=("whisper", "local")[i % 2],
                duration_seconds=60.0, started_at=finished - timedelta(seconds=12),
                finished_at=finished, providers=[("whisper", "local")[i % 2]],
            )
        )  # fmt: skip
    TranscriptionJob.objects.bulk_create(rows, batch_size=2000)
    # Straight into the table: only the benchmark may write ledger rows without a service.
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                wallet=wallet, kind=EntryKind.CHARGE, amount=Decimal("-1"), balance_after=0,
                description="bench", reference=f"job:{i}", product=("whisper", "local")[i % 2],
                seconds=60.0,
            )
            for i in range(jobs)
            if i % 10
        ],
        batch_size=2000,
    )  # fmt: skip
    deliveries = Delivery.objects.bulk_create(
        [
            Delivery(organization=organization, url="https://example.com/hook",
                     event_type="job.completed", message_id=f"msg_{i}", payload="{}")
            for i in range(jobs // 10)
        ],
        batch_size=2000,
    )  # fmt: skip
    Attempt.objects.bulk_create(
        [
            Attempt(delivery=delivery, number=n, started_at=now, outcome=outcome)
            for delivery in deliveries
            for n, outcome in ((1, AttemptOutcome.HTTP_ERROR), (2, AttemptOutcome.SUCCESS))
        ],
        batch_size=2000,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="hark-bench-metrics-")
    os.environ["HARK_VAR_DIR"] = folder
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from ops.metrics import metrics_exposition

    call_command("migrate", verbosity=0)
    began = time.perf_counter()
    build(args.jobs)
    print(f"built {args.jobs} jobs in {time.perf_counter() - began:.1f} s")
    from django.db import connection

    from jobs.models import TranscriptionJob

    # The baseline, in the same run: the same scrape without the (status, finished_at)
    # index that /metrics needs, alternated with it so that load on the machine hits both.
    index = next(i for i in TranscriptionJob._meta.indexes if i.name == "job_status_finished")
    times: dict[str, list[float]] = {"with the index": [], "without it": []}
    body = b""
    for _ in range(args.runs):
        for label in times:
            with connection.schema_editor() as editor:
                if label == "without it":
                    editor.remove_index(TranscriptionJob, index)
            began = time.perf_counter()
            body = metrics_exposition(clock=timezone.now)
            times[label].append(time.perf_counter() - began)
            if label == "without it":
                with connection.schema_editor() as editor:
                    editor.add_index(TranscriptionJob, index)
    lines = body.count(b"\n")
    print(f"exposition: {len(body)} bytes, {lines} lines")
    medians = {label: statistics.median(found) for label, found in times.items()}
    for label, found in times.items():
        print(f"scrape {label:<15}: median {medians[label] * 1000:.0f} ms, "
              f"slowest {max(found) * 1000:.0f} ms")  # fmt: skip
    median = medians["with the index"]
    verdict = "ok" if median <= TARGET_SECONDS else "over target"
    print(f"with ÷ without: {median / medians['without it']:.2f}; "
          f"target ≤ {TARGET_SECONDS * 1000:.0f} ms: {verdict}")  # fmt: skip


if __name__ == "__main__":
    main()
