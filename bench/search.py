"""How fast is search over an organization's transcripts?

    .venv/bin/python bench/search.py                    # SQLite; PostgreSQL too if DATABASE_URL
    .venv/bin/python bench/search.py --transcripts 200 --runs 10

Builds, in a fresh database (a temporary SQLite file; with ``DATABASE_URL`` naming a
PostgreSQL server, also a fresh database there, dropped afterwards): one organization
with ``--transcripts`` transcripts the size of a ten-minute recording (100 segments of
~15 words, ~1,500 words), a fifth of them edited (an edited copy current, its original
not), and another organization's 200 transcripts as noise; and a third organization
with one transcript as the baseline. The text is the human reference transcripts of
../shared/audio, cut into windows and shuffled. Rows go in through the ORM, so the
SQLite index is filled by the same triggers that keep it current in use.

Each query runs ``--runs`` times through ``transcripts_search`` (a first page of 20,
snippets and all); it prints the median and 95th percentile, and the ratio to the same
query over the single transcript. The target is a median ≤ 100 ms. Exit status 0 either way.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

AUDIO = Path(os.environ.get("HARK_SHARED_AUDIO", REPO_ROOT.parent / "shared" / "audio"))
SEGMENTS = 100
WORDS_PER_SEGMENT = 15
NOISE_TRANSCRIPTS = 200
EDITED_SHARE = 0.2
TARGET_MS = 100.0
QUERIES = (
    "dashwood",  # a name: few hits
    "country",  # a word in a few clips
    "the",  # in nearly every segment: the worst case for ranking
    "fellow americans",  # two words
    '"in his power"',  # a phrase
    "prud",  # a prefix
)


def _words() -> list[str]:
    words: list[str] = []
    for path in sorted(AUDIO.glob("*.txt")):
        words += path.read_text(encoding="utf-8").split()
    return words


def _segments(pool: list[str], rng: random.Random) -> list[str]:
    texts = []
    for _ in range(SEGMENTS):
        at = rng.randrange(0, len(pool) - WORDS_PER_SEGMENT)
        texts.append(" ".join(pool[at : at + WORDS_PER_SEGMENT]))
    return texts


def _build(organization: Any, count: int, pool: list[str], rng: random.Random) -> None:
    from jobs.models import TranscriptionJob
    from jobs.transcripts.models import POSITION_GAP, Segment, Transcript, TranscriptKind

    for first in range(0, count, 50):
        jobs = TranscriptionJob.objects.bulk_create(
            TranscriptionJob(organization=organization, engine="whisper", status="completed",
                             original_filename=f"recording-{first + i:04d}.wav")
            for i in range(min(50, count - first))
        )  # fmt: skip
        transcripts, texts = [], []
        for job in jobs:
            text = _segments(pool, rng)
            edited = rng.random() < EDITED_SHARE
            transcripts.append(Transcript(job=job, kind=TranscriptKind.ORIGINAL,
                                          is_current=not edited))  # fmt: skip
            texts.append(text)
            if edited:
                changed = [t.replace(" the ", " a ", 1) for t in text]
                transcripts.append(Transcript(job=job, kind=TranscriptKind.EDITED))
                texts.append(changed)
        Transcript.objects.bulk_create(transcripts)
        Segment.objects.bulk_create(
            Segment(transcript=transcript, key=uuid.uuid4(), position=(n + 1) * POSITION_GAP,
                    start=n * 6.0, end=n * 6.0 + 5.5, text=text)
            for transcript, text_list in zip(transcripts, texts, strict=True)
            for n, text in enumerate(text_list)
        )  # fmt: skip


def _time(organization: Any, query: str, runs: int) -> tuple[list[float], int]:
    from jobs.transcripts.search.selectors import transcripts_search

    transcripts_search(organization, query)  # warm the page cache
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        page = transcripts_search(organization, query)
        times.append((time.perf_counter() - began) * 1000)
    return times, len(page.results)


def child(transcripts: int, runs: int) -> None:
    """Runs in a process whose DATABASE_URL is the fresh database."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import Organization

    call_command("migrate", verbosity=0)
    rng = random.Random(7)
    pool = _words()
    big, noise, small = (
        Organization.objects.create(name=name) for name in ("big", "noise", "small")
    )
    began = time.perf_counter()
    _build(big, transcripts, pool, rng)
    _build(noise, NOISE_TRANSCRIPTS, pool, rng)
    _build(small, 1, pool, rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    built = time.perf_counter() - began
    results = []
    for query in QUERIES:
        times, hits = _time(big, query, runs)
        base, _ = _time(small, query, runs)
        results.append({"query": query, "hits": hits, "times": times, "base": base})
    print(json.dumps({"vendor": connection.vendor, "built": built, "results": results}))


def _run(url: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings",
           "PYTHONPATH": str(REPO_ROOT)}  # fmt: skip
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--transcripts", str(args.transcripts),
         "--runs", str(args.runs)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(done.stderr)
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _ms(times: list[float], quantile: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))]


def _report(answer: dict[str, Any], transcripts: int) -> None:
    print(f"\n{answer['vendor']}: {transcripts} transcripts of {SEGMENTS} segments "
          f"(+{NOISE_TRANSCRIPTS} in another organization), "
          f"built in {answer['built']:.0f} s")  # fmt: skip
    print(f"{'query':<20} {'hits':>5} {'median ms':>10} {'p95 ms':>8} {'1 transcript':>13} "
          f"{'ratio':>6}  target")  # fmt: skip
    for row in answer["results"]:
        median, base = statistics.median(row["times"]), statistics.median(row["base"])
        verdict = "ok" if median <= TARGET_MS else "SLOW"
        p95 = _ms(row["times"], 0.95)
        print(f"{row['query']:<20} {row['hits']:>5} {median:>10.1f} {p95:>8.1f} "
              f"{base:>13.2f} {median / base:>6.1f}  {verdict}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--transcripts", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.transcripts, args.runs)
        return
    with tempfile.TemporaryDirectory(prefix="hark-bench-search-") as folder:
        _report(_run(f"sqlite:///{folder}/bench.sqlite3", args), args.transcripts)
    configured = os.environ.get("DATABASE_URL", "")
    if configured.startswith(("postgres://", "postgresql://")):
        from bench.money_postgres import fresh_database

        with fresh_database(configured) as url:
            _report(_run(url, args), args.transcripts)


if __name__ == "__main__":
    main()
