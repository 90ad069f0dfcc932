"""How fast do webhooks go out? One command, one throwaway installation.

    .venv/bin/python bench/webhook_deliveries.py                   # 300 deliveries per run, 30 jobs
    .venv/bin/python bench/webhook_deliveries.py --deliveries 100 --jobs 10 --workers 1 4

It creates an installation in a temporary folder (its own SQLite database), a loopback
receiver in this process that answers ``200 ok`` at once, and an endpoint for it
(``HARK_OUTBOUND_ALLOWED_NETWORKS=127.0.0.0/8``, since the SSRF guard refuses loopback
by design). For each worker count it starts the deliveries cluster (``Q_CLUSTER_NAME=
deliveries qcluster``, where webhook attempts run) with that many workers and
measures

* **deliveries per second**: N deliveries are queued before the cluster starts, so the
  figure is the steady drain rate: (N - 1) / (last arrival - first arrival) at the
  receiver, every attempt signed, sent through the guard and recorded;
* **completion → first attempt**: jobs are completed one at a time with the worker
  idle (``job_complete``, the worker's own service, after a real hold), and the delay is
  from its commit to the receiver seeing the request. Target: 1 s at the median.

Exit status: 0 whether or not the target is met; 1 when something broke.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench._api import BenchmarkBroken  # noqa: E402
from bench._install import (  # noqa: E402
    BENCH_EMAIL,
    MANAGE,
    Installation,
    installation_env,
    installation_prepare,
)
from bench._procs import start_in_own_group, stop_group  # noqa: E402
from tests.webhook_receiver import Receiver  # noqa: E402

if TYPE_CHECKING:
    from accounts.models import Organization
    from jobs.engines.base import TranscriptionResult
    from jobs.lifecycle.transcription import Claim

TARGET_MEDIAN_SECONDS = 1.0
SETTLE_SECONDS = 0.5


@dataclass(frozen=True)
class RunResult:
    workers: int
    deliveries: int
    per_second: float
    delays: list[float]


def prepare(root: Path, database_url: str) -> Installation:
    """The standard throwaway installation, or one on an empty PostgreSQL database."""
    if not database_url:
        return installation_prepare(root)
    env = {**installation_env(root), "DATABASE_URL": database_url}
    for args in (["migrate", "--no-input"], ["create_api_key", BENCH_EMAIL]):
        done = subprocess.run(
            [sys.executable, MANAGE, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True
        )
        if done.returncode != 0:
            raise BenchmarkBroken(f"manage.py {args[0]} failed:\n{done.stderr[-2000:]}")
    return Installation(root=root, env=env, api_key=done.stdout.strip())


def setup_django(installation: Installation) -> None:
    os.environ.update(installation.env)
    os.environ.update(_webhook_env())
    os.environ["HARK_LOG_LEVEL"] = "WARNING"  # not a line per queued task in the report
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _webhook_env() -> dict[str, str]:
    return {"HARK_OUTBOUND_ALLOWED_NETWORKS": "127.0.0.0/8", "HARK_WEBHOOK_TIMEOUT_SECONDS": "5"}


def processing_job(organization: Organization) -> Claim:
    """A job as a worker holds it just before it finishes: held credits, claimed."""
    from django.db import transaction

    from billing.services import hold_place
    from jobs.lifecycle.transcription import Claim
    from jobs.models import JobStatus, TranscriptionJob

    with transaction.atomic():
        job = TranscriptionJob.objects.create(
            organization=organization, engine="local", status=JobStatus.PROCESSING,
            attempts=1, original_filename="bench.wav", duration_seconds=11.0,
            estimated_credits=Decimal("0.19"),
        )  # fmt: skip
        hold_place(
            organization=organization, amount=Decimal("0.19"), reference=job.billing_reference
        )
    return Claim(job=job, attempt=1)


def a_result() -> TranscriptionResult:
    from jobs.engines.base import Segment, TranscriptionResult, Word

    words = (Word("ask", 0.5, 0.9, 0.9), Word("not", 1.0, 1.4, 0.8))
    return TranscriptionResult([Segment(0.5, 1.4, "ask not", 0.85, words)], "en", 11.0, "local")


def run(installation: Installation, receiver: Receiver, *, workers: int, deliveries: int,
        jobs: int) -> RunResult:  # fmt: skip
    from accounts.models import Organization
    from jobs.lifecycle.transcription import job_complete
    from jobs.services.events import job_event_emit
    from lib.queue import DELIVERIES_CLUSTER
    from webhooks.events import JOB_COMPLETED
    from webhooks.models import Delivery, DeliveryStatus

    organization = Organization.objects.get()
    receiver.requests.clear()
    # Queued before the cluster starts: the cluster drains a full queue.
    claim = processing_job(organization)
    job_complete(claim, a_result())
    for _ in range(deliveries - 1):
        job_event_emit(job_id=claim.job.pk, event_type=JOB_COMPLETED)
    env = {
        **installation.env,
        **_webhook_env(),
        "HARK_DELIVERY_WORKERS": str(workers),
        "Q_CLUSTER_NAME": DELIVERIES_CLUSTER,
    }
    log = installation.root / f"qcluster-{workers}.log"
    cluster = start_in_own_group([sys.executable, MANAGE, "qcluster"], env=env,
                                 cwd=REPO_ROOT, log=log)  # fmt: skip
    try:
        _wait(lambda: len(receiver.requests) >= deliveries, what="the queued deliveries")
        arrivals = sorted(r.at for r in receiver.requests[:deliveries])
        per_second = (deliveries - 1) / max(arrivals[-1] - arrivals[0], 1e-9)
        pending = Delivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).count()
        if pending:
            _wait(lambda: not Delivery.objects.exclude(status=DeliveryStatus.SUCCEEDED).exists(),
                  what="the last deliveries to be recorded")  # fmt: skip

        delays: list[float] = []
        for _ in range(jobs):
            time.sleep(SETTLE_SECONDS)  # an idle worker, as after a quiet moment
            claim = processing_job(organization)
            seen = len(receiver.requests)
            job_complete(claim, a_result())
            committed = time.time()
            _wait(partial(_more_than, receiver, seen), what="a job's webhook")
            delays.append(receiver.requests[seen].at - committed)
    except Exception:
        print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        stop_group(cluster)
    return RunResult(workers, deliveries, per_second, delays)


def _more_than(receiver: Receiver, count: int) -> bool:
    return len(receiver.requests) > count


def _wait(predicate: Callable[[], object], *, what: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.005)
    raise BenchmarkBroken(f"timed out waiting for {what}")


def report(results: list[RunResult]) -> None:
    print()
    database = "PostgreSQL" if os.environ.get("DATABASE_URL") else "SQLite"
    print(f"Webhook deliveries to a loopback receiver ({database}, ORM broker, deliveries cluster)")
    print(f"{'workers':>8} {'deliveries':>11} {'per second':>11} {'median delay':>13} "
          f"{'p90 delay':>10} {'max delay':>10}")  # fmt: skip
    for r in results:
        delays = sorted(r.delays)
        p90 = delays[max(0, round(0.9 * len(delays)) - 1)]
        print(f"{r.workers:>8} {r.deliveries:>11} {r.per_second:>11.1f} "
              f"{statistics.median(delays):>12.3f}s {p90:>9.3f}s {delays[-1]:>9.3f}s")  # fmt: skip
    worst = max(statistics.median(r.delays) for r in results)
    verdict = "met" if worst <= TARGET_MEDIAN_SECONDS else "NOT met"
    print(f"Target: first attempt within {TARGET_MEDIAN_SECONDS:.0f} s of completion at the "
          f"median — {verdict} (worst median {worst:.3f} s, {len(results[0].delays)} jobs "
          "per run).")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--deliveries", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=30)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    parser.add_argument("--keep", action="store_true", help="keep the temporary installation")
    parser.add_argument(
        "--database-url", default="", help="an empty PostgreSQL database instead of SQLite"
    )
    options = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="hark-bench-webhooks-"))
    try:
        installation = prepare(root, options.database_url)
        setup_django(installation)
        from webhooks.models import Delivery
        from webhooks.services import endpoint_create

        receiver = Receiver().start()
        from accounts.models import Organization

        endpoint_create(organization=Organization.objects.get(), actor=None, url=receiver.url())
        results = []
        for workers in options.workers:
            Delivery.objects.all().delete()
            results.append(run(installation, receiver, workers=workers,
                               deliveries=options.deliveries, jobs=options.jobs))  # fmt: skip
            print(f"  {workers} worker(s): done", file=sys.stderr)
        receiver.stop()
        report(results)
    except BenchmarkBroken as exc:
        print(f"benchmark broken: {exc}", file=sys.stderr)
        return 1
    finally:
        if options.keep:
            print(f"kept {root}", file=sys.stderr)
        else:
            import shutil

            shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
