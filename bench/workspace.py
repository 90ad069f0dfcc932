"""The transcript workspace at length: is a 3-hour transcript as pleasant as a short one?

    .venv/bin/python bench/workspace.py            # 3 hours vs 10 minutes (~2 min)
    .venv/bin/python bench/workspace.py --runs 3   # fewer repetitions

Two transcripts are built from the shared audio's reference texts, cycled: a 10-minute
one (about 1,700 words) as the baseline and a 3-hour one (about 30,000 words). For each:

(a) the editor page to interactive: a real chromium opens ``/jobs/<id>/edit/`` on a
    running server and the clock stops when the page says it has loaded the transcript
    and drawn every segment (``performance.now()``, from navigation start). Target ≤ 1.5 s.
(b) one segment save, server time: ``PATCH …/transcript/segments/<id>/`` through Django's
    test client in this process (no network), the median of many. Target ≤ 50 ms.

Search over 1,000 transcripts is ``bench/search.py``. The installation is a temporary
folder with its own SQLite database.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # run as a script: the repository's packages

from bench._install import MANAGE, installation_env  # noqa: E402
from bench._procs import free_port, start_in_own_group, stop_group, wait_for_port  # noqa: E402

ROOT = Path(tempfile.mkdtemp(prefix="hark-bench-workspace-"))
ENV = {**installation_env(ROOT), "HARK_DEBUG": "true", "HARK_LOG_LEVEL": "WARNING"}
os.environ.update(ENV)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

if TYPE_CHECKING:
    from accounts.models import Organization, User

WORDS_PER_SEGMENT = 12
SECONDS_PER_WORD = 0.36  # 167 words a minute, a brisk speaker
PAGE_TARGET, SAVE_TARGET = 1.5, 0.050


@dataclass(frozen=True)
class Sized:
    label: str
    job_id: str
    words: int
    segment_ids: list[str]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="page loads per transcript")
    parser.add_argument("--saves", type=int, default=40, help="saves per transcript")
    args = parser.parse_args(argv)
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    user, organization = _owner()
    short = _transcript(organization, "10 minutes", minutes=10)
    long = _transcript(organization, "3 hours", minutes=180)
    print(f"installation in {ROOT}", flush=True)
    saves = {sized.label: _save_times(user, sized, args.saves) for sized in (short, long)}
    pages = _page_times(user, (short, long), args.runs)
    print("\n== results")
    for sized in (short, long):
        page, save = statistics.median(pages[sized.label]), statistics.median(saves[sized.label])
        print(
            f"{sized.label:>10} ({sized.words:,} words, {len(sized.segment_ids):,} segments): "
            f"page interactive {page:.2f} s (target ≤ {PAGE_TARGET} s), "
            f"save median {save * 1000:.1f} ms, p95 "
            f"{_p95(saves[sized.label]) * 1000:.1f} ms (target ≤ {SAVE_TARGET * 1000:.0f} ms)"
        )
    ratio_page = statistics.median(pages[long.label]) / statistics.median(pages[short.label])
    ratio_save = statistics.median(saves[long.label]) / statistics.median(saves[short.label])
    print(f"3 hours / 10 minutes: page {ratio_page:.2f}x, save {ratio_save:.2f}x")
    return 0


def _owner() -> tuple[User, Organization]:
    from accounts.models import User
    from accounts.services import organization_create

    user = User.objects.create_user(email="bench@example.org", password=None)
    return user, organization_create(name="Bench", owner=user)


def _transcript(organization: Organization, label: str, *, minutes: int) -> Sized:
    from django.utils import timezone

    from jobs.engines.base import Segment, Word
    from jobs.models import JobStatus, TranscriptionJob
    from jobs.transcripts.selectors import transcript_read
    from jobs.transcripts.services.storing import transcript_store_original
    from tests.audio_fixtures import SHARED_AUDIO

    texts = [p.read_text().split() for p in sorted(SHARED_AUDIO.glob("*.txt"))]
    source = itertools.cycle(word for text in texts for word in text)
    total = int(minutes * 60 / SECONDS_PER_WORD)
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
        progress=100, duration_seconds=clock, original_filename=f"{label}.wav",
        finished_at=timezone.now(),
    )  # fmt: skip
    transcript_store_original(job, segments, language="en")
    view = transcript_read(job)
    assert view is not None
    return Sized(label, str(job.pk), total, [s.key or "" for s in view.segments])


def _save_times(user: User, sized: Sized, count: int) -> list[float]:
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    base = f"/api/v1/transcribe/{sized.job_id}/transcript/"
    version = client.get(base).json()["version"]
    times = []
    for index in range(count):
        # Segments across the whole transcript, each save a one-word change.
        segment = sized.segment_ids[(index * 997) % len(sized.segment_ids)]
        started = time.perf_counter()
        response = client.patch(f"{base}segments/{segment}/",
                                {"version": version, "text": f"edited {index} words here"},
                                format="json")  # fmt: skip
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"save failed: {response.status_code} {response.content[:300]!r}")
        version = response.json()["version"]
    print(f"{sized.label}: {count} saves, median {statistics.median(times) * 1000:.1f} ms",
          flush=True)  # fmt: skip
    return times


def _page_times(user: User, sized_list: tuple[Sized, ...], runs: int) -> dict[str, list[float]]:
    from django.contrib.sessions.backends.db import SessionStore

    from tests.browser import chromium

    session = SessionStore()
    session["_auth_user_id"] = str(user.pk)
    session["_auth_user_backend"] = "django.contrib.auth.backends.ModelBackend"
    session["_auth_user_hash"] = user.get_session_auth_hash()
    session.create()
    port = free_port()
    server = start_in_own_group(
        [sys.executable, MANAGE, "runserver", f"127.0.0.1:{port}", "--noreload"],
        env={**os.environ}, cwd=REPO_ROOT, log=ROOT / "runserver.log",
    )  # fmt: skip
    results: dict[str, list[float]] = {sized.label: [] for sized in sized_list}
    drawn: dict[str, list[float]] = {sized.label: [] for sized in sized_list}
    try:
        wait_for_port(port, process=server, timeout=60)
        with chromium() as browser:
            context = browser.new_context()
            context.add_cookies([{"name": "sessionid", "value": session.session_key or "",
                                  "url": f"http://127.0.0.1:{port}"}])  # fmt: skip
            page = context.new_page()
            for sized in sized_list:
                for run in range(runs + 1):
                    page.goto(f"http://127.0.0.1:{port}/jobs/{sized.job_id}/edit/")
                    # Interactive: the first screen is drawn and wired (the rest of a
                    # long transcript is still being drawn, in batches between which the
                    # page answers input); ready: every segment is drawn.
                    page.wait_for_function(
                        "() => ['interactive', 'ready'].includes("
                        "document.getElementById('editor').dataset.state)",
                        timeout=120_000,
                    )
                    interactive = page.evaluate("performance.now()") / 1000
                    page.wait_for_function(
                        "n => document.getElementById('editor').dataset.state === 'ready'"
                        " && document.querySelectorAll('li[data-id]').length >= n",
                        arg=len(sized.segment_ids), timeout=120_000,
                    )  # fmt: skip
                    seconds = page.evaluate("performance.now()") / 1000
                    if run:
                        drawn[sized.label].append(seconds)
                        seconds = interactive
                    if run:  # the first load warms the server's caches and is not counted
                        results[sized.label].append(seconds)
                print(f"{sized.label}: page interactive "
                      f"{statistics.median(results[sized.label]):.2f} s, every segment drawn "
                      f"{statistics.median(drawn[sized.label]):.2f} s", flush=True)  # fmt: skip
    finally:
        stop_group(server)
    return results


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


if __name__ == "__main__":
    raise SystemExit(main())
