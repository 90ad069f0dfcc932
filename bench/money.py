"""What does money safety cost? Submissions per second with and without the wallet step.

    .venv/bin/python bench/money.py                      # 1, 4, 16 clients (~2 min)
    .venv/bin/python bench/money.py --seconds 2 --rounds 1 --clients 1 16
    .venv/bin/python bench/money.py --no-fsync           # a server that does not flush commits

It starts its own PostgreSQL server as bin/test does (or, when ``DATABASE_URL`` names a
PostgreSQL server, creates and later drops a fresh database there), migrates it, and
creates 16 organizations with ample credits. Each client is a process of its own, as
web workers are, calling the real ``jobs.services.intake.job_create`` in a loop with a
short real recording (probe, price, store the media, insert the job, enqueue its task,
place the hold, commit). Three ways, at each client count:

* **no wallet (baseline)**: the same ``job_create`` with the wallet step (the early
  look at the balance and ``hold_place``) replaced by nothing;
* **one wallet**: every client submits for the same organization, so every submission
  locks the same wallet row;
* **16 wallets**: client *i* submits for organization *i*.

Each measurement runs ``--rounds`` times, the three ways in a rotating order so that
none always goes first, and the median round counts: the machine may be shared. It
prints submissions per second, median and 95th-percentile latency, and the ratios; the
target is one wallet at 16 clients ≥ 50% of 16 wallets. Exit status 0 either way.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from bench.money_postgres import bench_database  # noqa: E402

AUDIO = Path(os.environ.get("HARK_SHARED_AUDIO", REPO_ROOT.parent / "shared" / "audio"))
RECORDING = AUDIO / "cards_001.wav"  # 1.1 s of real speech, 35 kB
WALLETS = 16
MODES = ("baseline", "one wallet", "16 wallets")
TARGET = 0.5


@dataclass(frozen=True)
class Cell:
    mode: str
    clients: int
    submissions: int
    seconds: float
    latencies: list[float]

    @property
    def rate(self) -> float:
        return self.submissions / self.seconds

    def latency_ms(self, quantile: float) -> float:
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]


def _client_setup() -> None:
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    import django

    django.setup()


def _no_wallet_check(organization: Any) -> Decimal:
    return Decimal("Infinity")


def _no_hold(**kwargs: Any) -> None:
    return None


def run_client(mode: str, organization_id: int, start_at: float, seconds: float) -> list[float]:
    """Submit in a loop from ``start_at`` for ``seconds``; returns each submission's time."""
    from unittest import mock

    from django.db import connection

    from accounts.models import Organization
    from jobs.options import TranscriptionOptions
    from jobs.services import intake

    organization = Organization.objects.get(pk=organization_id)
    patches = (
        mock.patch.multiple(intake, hold_place=_no_hold, available_credits=_no_wallet_check)
        if mode == "baseline"
        else contextlib.nullcontext()
    )
    latencies: list[float] = []
    with patches:
        time.sleep(max(0.0, start_at - time.time()))
        deadline = start_at + seconds
        while time.time() < deadline:
            began = time.perf_counter()
            intake.job_create(organization=organization, path=RECORDING,
                              filename="bench.wav", options=TranscriptionOptions())  # fmt: skip
            latencies.append(time.perf_counter() - began)
    connection.close()
    return latencies


def prepare() -> list[int]:
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from accounts.models import User
    from accounts.services import organization_create
    from billing.services import credits_grant

    ids = []
    for n in range(WALLETS):
        owner = User.objects.create_user(email=f"bench{n}@example.org", password=None)
        organization = organization_create(name=f"Bench {n}", owner=owner)
        credits_grant(organization=organization, amount=Decimal("1000000"), reason="benchmark")
        ids.append(organization.pk)
    from django.db import connection

    connection.close()
    return ids


def measure(pool: Any, mode: str, clients: int, seconds: float, org_ids: list[int]) -> Cell:
    start_at = time.time() + 0.5
    wallets = [org_ids[0]] * clients if mode == "one wallet" else org_ids[:clients]
    runs = [pool.apply_async(run_client, (mode, org, start_at, seconds)) for org in wallets]
    latencies = [value for run in runs for value in run.get(timeout=seconds + 120)]
    return Cell(mode, clients, len(latencies), seconds, latencies)


def _median(rounds: list[Cell]) -> list[Cell]:
    """Per mode, the round with the median rate."""
    chosen = []
    for mode in MODES:
        ordered = sorted((c for c in rounds if c.mode == mode), key=lambda c: c.rate)
        chosen.append(ordered[len(ordered) // 2])
    return chosen


def report(cells: list[Cell], clients: list[int], *, server: str) -> None:
    by = {(c.mode, c.clients): c for c in cells}
    print(f"\nSubmissions per second on {server}: job_create with real audio "
          f"({RECORDING.name}), one process per client.\n")  # fmt: skip
    header = f"{'clients':>7}  " + "  ".join(f"{m:>22}" for m in MODES)
    print(header + f"  {'one / 16 wallets':>16}  {'one / baseline':>14}")
    for n in clients:
        row = [by[(m, n)] for m in MODES]
        shown = "  ".join(
            f"{c.rate:8.1f}/s ({c.latency_ms(0.5):4.0f}/{c.latency_ms(0.95):4.0f} ms)" for c in row
        )
        one, sixteen, base = by[("one wallet", n)], by[("16 wallets", n)], by[("baseline", n)]
        print(f"{n:>7}  {shown}  {one.rate / sixteen.rate:>16.2f}  {one.rate / base.rate:>14.2f}")
    print("\n(latency: median/95th percentile per submission)")
    if max(clients) >= 16 and 16 in clients:
        ratio = by[("one wallet", 16)].rate / by[("16 wallets", 16)].rate
        verdict = "met" if ratio >= TARGET else "NOT met"
        print(f"Target: one wallet at 16 clients ≥ {TARGET:.0%} of 16 wallets: "
              f"{ratio:.0%} — {verdict}.")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--rounds", type=int, default=3, help="the median round counts")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--no-fsync", action="store_true", help="throwaway server only")
    options = parser.parse_args(argv)
    if max(options.clients) > WALLETS:
        parser.error(f"at most {WALLETS} clients")
    with (
        tempfile.TemporaryDirectory(prefix="hark-bench-money-") as var,
        bench_database(fsync=not options.no_fsync) as url,
    ):
        os.environ.update({"DATABASE_URL": url, "HARK_VAR_DIR": var, "HARK_LOG_LEVEL": "WARNING",
                           "DJANGO_SETTINGS_MODULE": "config.settings"})  # fmt: skip
        org_ids = prepare()
        context = multiprocessing.get_context("spawn")
        with context.Pool(max(options.clients), initializer=_client_setup) as pool:
            for mode in MODES:  # warm up: every process has probed, stored and committed
                measure(pool, mode, max(options.clients), 1.0, org_ids)
            cells: list[Cell] = []
            for n in options.clients:
                rounds = [
                    measure(pool, mode, n, options.seconds, org_ids)
                    for turn in range(options.rounds)
                    for mode in MODES[turn % 3 :] + MODES[: turn % 3]
                ]
                cells.extend(_median(rounds))
        from django.db import connection

        server = connection.cursor().connection.info.parameter_status("server_version")
        connection.close()
        report(cells, options.clients, server=f"PostgreSQL {server}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
