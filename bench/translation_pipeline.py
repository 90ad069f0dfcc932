"""What does a translation job cost beyond the translator itself? One command.

    .venv/bin/python bench/translation_pipeline.py            # 3 repeats (~1 min)
    .venv/bin/python bench/translation_pipeline.py --repeats 5
    .venv/bin/python bench/translation_pipeline.py --minutes 60   # a longer transcript

A 10-minute transcript (1,500 words in 100 segments of about 15, built from the shared
recordings' English reference texts; ``--minutes`` for another length at 150 words a
minute) is translated English → Spanish:

* baseline: the ``apertium`` program alone (``apertium -u -f html eng-spa``) on the
  same HTML document Hark gives it, one process, as a user of Apertium would run it;
* also shown: Hark's Apertium translator in this process (its pair's programs kept
  running between documents, as in a worker), the pipeline's engine part;
* pipeline: Gumzo's ``POST /api/v1/translate/`` (``model=apertium``) on a throwaway
  installation (its own SQLite database, ``runserver`` and one ``qcluster`` worker),
  polled every 50 ms until ``completed`` (order, hold, queue, claim, route, translate,
  store the segments, charge, webhook-free finish, poll).

Words per second for each, and pipeline ÷ baseline time (target ≤ 1.10), medians of
the repeats, each with where the pipeline's seconds went (the order's round trip, waiting for
a worker, the worker's run, the last poll).

Exit status 0 whether or not the target is met; 1 if a translation failed.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # run as a script: the repository's packages

import httpx  # noqa: E402

from bench._api import BenchmarkBroken  # noqa: E402
from bench._install import installation_prepare, services_running  # noqa: E402

WORDS_PER_MINUTE = 150
SEGMENT_WORDS = 15
SEGMENT_SECONDS = 6.0  # 15 words in 6 s: 150 words a minute
POLL_SECONDS = 0.05
TARGET = 1.10
SHARED_AUDIO = REPO_ROOT.parent / "shared" / "audio"


@dataclass(frozen=True)
class Run:
    seconds: float  # just before the POST → the poll that saw "completed"
    order: float  # the POST's round trip
    dispatch: float  # answered → a worker claimed it
    worker: float  # claimed → finished
    seen: float  # finished → the poll that saw it


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--minutes", type=int, default=10, help="of speech (150 words each)")
    args = parser.parse_args(argv)
    root = Path(tempfile.mkdtemp(prefix="hark-bench-translation-pipeline-"))
    installation = installation_prepare(root)
    # This process works on the installation's own database: the fixture job, the
    # baseline's translator and reading back when the worker claimed and finished.
    os.environ.update(installation.env)
    os.environ["HARK_LOG_LEVEL"] = "WARNING"  # this process's own log: no line per poll
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    texts = transcript(args.minutes * WORDS_PER_MINUTE)
    words = sum(len(text.split()) for text in texts)
    print(f"transcript: {words} words in {len(texts)} segments", flush=True)
    job_id = completed_job(installation.api_key, texts)
    segments = len(texts)
    engine_alone(texts)  # warm: Apertium's pairs found, its files in the page cache
    apertium_command(texts)
    command: list[float] = []
    engine: list[float] = []
    runs: list[Run] = []
    try:
        with services_running(installation) as services:
            headers = {"Authorization": f"Token {installation.api_key}"}
            with httpx.Client(base_url=services.base_url, headers=headers, timeout=60) as api:
                pipeline(api, job_id, segments)  # warm: the worker's first look at Apertium's pairs
                # Interleaved, so that both see the same machine (a shared box drifts).
                for _ in range(args.repeats):
                    command.append(apertium_command(texts))
                    engine.append(engine_alone(texts))
                    runs.append(pipeline(api, job_id, segments))
                    print(f"apertium alone {command[-1]:.2f} s, Hark's translator "
                          f"{engine[-1]:.2f} s, API + worker {runs[-1].seconds:.2f} s",
                          flush=True)  # fmt: skip
    except BenchmarkBroken as exc:
        print(f"FAILED: {exc}", flush=True)
        return 1
    report(words, command, engine, runs)
    return 0


def transcript(total: int) -> list[str]:
    """About ten minutes of speech as segments of about 15 words, from the shared
    recordings' English reference texts, repeated."""
    sources = sorted(p for p in SHARED_AUDIO.glob("*.txt") if ".de." not in p.name)
    text = re.sub(r"\s+", " ", " ".join(p.read_text() for p in sources)).split()
    words: list[str] = []
    while len(words) < total:
        words += text
    words = words[:total]
    return [" ".join(words[i : i + SEGMENT_WORDS]) for i in range(0, len(words), SEGMENT_WORDS)]


def completed_job(api_key: str, texts: list[str]) -> str:
    """A transcription job, uploaded as a customer would and completed with ``texts`` as
    its transcript (transcribing ten minutes first would only slow the benchmark down)."""
    from rest_framework.test import APIClient

    from jobs.engines.base import Segment, TranscriptionResult
    from jobs.lifecycle.transcription import job_claim, job_complete

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_key}")
    with (SHARED_AUDIO / "jfk.flac").open("rb") as audio:
        response = client.post("/api/v1/transcribe/", {"file": audio}, format="multipart")
    if response.status_code != 200:
        raise BenchmarkBroken(f"upload answered {response.status_code}: {response.content!r}")
    job_id = str(response.json()["id"])
    claim = job_claim(job_id)
    if claim is None:
        raise BenchmarkBroken("the fixture job could not be claimed")
    segments = [
        Segment(start=i * SEGMENT_SECONDS, end=(i + 1) * SEGMENT_SECONDS, text=t, confidence=0.9)
        for i, t in enumerate(texts)
    ]
    result = TranscriptionResult(
        segments=segments, language="en", duration=len(texts) * SEGMENT_SECONDS, engine="whisper"
    )
    if not job_complete(claim, result):
        raise BenchmarkBroken("the fixture job could not be completed")
    return job_id


def apertium_command(texts: list[str]) -> float:
    from jobs.translation.engines.apertium import html_document

    document = html_document(texts)
    started = time.perf_counter()
    done = subprocess.run(
        ["apertium", "-u", "-f", "html", "eng-spa"],
        input=document, capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if done.returncode != 0 or done.stdout.count("<p>") != len(texts):
        raise BenchmarkBroken(f"apertium failed: {done.stderr[-300:]}")
    return seconds


def engine_alone(texts: list[str]) -> float:
    from jobs.translation.services.translators import texts_translate

    started = time.perf_counter()
    translated = texts_translate("apertium", texts, "en", "es")
    seconds = time.perf_counter() - started
    if len(translated) != len(texts) or not all(translated):
        raise BenchmarkBroken("apertium returned fewer translations than segments")
    return seconds


def pipeline(api: httpx.Client, job_id: str, segments: int) -> Run:
    submitted = time.time()
    started = time.perf_counter()
    response = api.post(
        "/api/v1/translate/", json={"job_id": job_id, "to_language": "es", "model": "apertium"}
    )
    answered = time.time()
    if response.status_code != 200:
        raise BenchmarkBroken(f"translate answered {response.status_code}: {response.text}")
    translation_id = response.json()["translation_id"]
    while time.perf_counter() - started < 300:
        body: dict[str, Any] = api.get(f"/api/v1/translate/{translation_id}/").json()
        if body["status"] == "completed":
            seconds = time.perf_counter() - started
            seen = time.time()
            break
        if body["status"] in {"failed", "canceled"}:
            raise BenchmarkBroken(f"translation {body['status']}: {body.get('error_message')}")
        time.sleep(POLL_SECONDS)
    else:
        raise BenchmarkBroken("the translation did not complete within 300 s")
    if body["provider"] != "apertium" or len(body["segments"]) != segments:
        raise BenchmarkBroken("the translation is not Apertium's, segment for segment")
    claimed, finished = timestamps(translation_id)
    return Run(seconds, answered - submitted, claimed - answered, finished - claimed,
               seen - finished)  # fmt: skip


def timestamps(translation_id: str) -> tuple[float, float]:
    from jobs.translation.models import TranslationJob

    translation = TranslationJob.objects.get(pk=translation_id)
    if translation.started_at is None or translation.finished_at is None:
        raise BenchmarkBroken("the translation has no start or finish time")
    return translation.started_at.timestamp(), translation.finished_at.timestamp()


def report(words: int, command: list[float], engine: list[float], runs: list[Run]) -> None:
    alone = statistics.median(command)
    translator = statistics.median(engine)
    through = statistics.median(run.seconds for run in runs)
    ratio = through / alone

    def median(field: str) -> float:
        value: float = statistics.median(getattr(run, field) for run in runs)
        return value

    print(
        "\n== results (medians)\n"
        f"    apertium alone:        {alone:6.2f} s  {words / alone:6.0f} words/s\n"
        f"    Hark's translator:     {translator:6.2f} s  {words / translator:6.0f} words/s"
        f"  (warm pipeline, in this process)\n"
        f"    API + worker:          {through:6.2f} s  {words / through:6.0f} words/s\n"
        f"      order round trip     {median('order'):6.2f} s\n"
        f"      waiting for a worker {median('dispatch'):6.2f} s\n"
        f"      worker's run         {median('worker'):6.2f} s\n"
        f"      finished → seen      {median('seen'):6.2f} s\n"
        f"    pipeline ÷ Hark's translator {through / translator:.2f}\n"
        f"    time ratio {ratio:.2f} (target <= {TARGET:.2f}): "
        f"{'met' if ratio <= TARGET else 'NOT met'}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
