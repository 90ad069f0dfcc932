"""Does batching pay for translation? One command, no installation needed.

    .venv/bin/python bench/translation.py            # both measurements (~1 min)
    .venv/bin/python bench/translation.py --only a   # one of a, b

(a) A 10-minute transcript (about 1,500 words in about 100 segments, built from the
    shared recordings' reference texts) through ``apertium`` English → Spanish, and
    English → French (chained through Spanish): all segments in one run per pair versus
    one process run per segment. Words per second; batched should be far faster.
(b) The ``openai`` chat-completions translator against a loopback upstream that takes
    200 ms per request: segments in batches (the defaults, 40 segments / 6,000 characters)
    versus one request per segment. Target: batched at least 5x faster.

Exit status 0 whether or not targets are met; 1 if a translation failed.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from jobs.translation.engines.base import TextSegment, Translator

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # run as a script: the repository's packages

ROOT = Path(tempfile.mkdtemp(prefix="hark-bench-translation-"))
os.environ.update(
    {
        "HARK_VAR_DIR": str(ROOT),
        "DATABASE_URL": f"sqlite:///{ROOT / 'bench.sqlite3'}",
        "HARK_LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

TRANSCRIPT_WORDS = 1500
SEGMENT_WORDS = 15
LATENCY_SECONDS = 0.2
CHAT_TARGET = 5.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--only", nargs="+", choices=["a", "b"], default=["a", "b"])
    args = parser.parse_args(argv)
    django.setup()
    from jobs.engines.base import ProviderError

    segments = transcript()
    words = sum(len(s.text.split()) for s in segments)
    print(f"transcript: {words} words in {len(segments)} segments", flush=True)
    results: list[str] = []
    try:
        if "a" in args.only:
            results += bench_apertium(segments, words)
        if "b" in args.only:
            results += bench_chat(segments, words)
    except ProviderError as exc:
        print(f"FAILED: {exc.message} {exc.detail}", flush=True)
        return 1
    print("\n== results\n" + "\n".join(results), flush=True)
    return 0


def transcript() -> list[TextSegment]:
    """About ten minutes of speech as segments of about 15 words, from the shared
    recordings' English reference texts, repeated."""
    from jobs.translation.engines.base import TextSegment
    from tests.audio_fixtures import SHARED_AUDIO

    words: list[str] = []
    sources = sorted(p for p in SHARED_AUDIO.glob("*.txt") if ".de." not in p.name)
    text = " ".join(p.read_text() for p in sources)
    while len(words) < TRANSCRIPT_WORDS:
        words += re.sub(r"\s+", " ", text).split()
    words = words[:TRANSCRIPT_WORDS]
    return [
        TextSegment(str(index), " ".join(words[start : start + SEGMENT_WORDS]))
        for index, start in enumerate(range(0, len(words), SEGMENT_WORDS))
    ]


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def one_by_one(
    translator: Translator, segments: list[TextSegment], source: str, target: str
) -> list[list[str]]:
    return [translator.translate([segment], source, target) for segment in segments]


def bench_apertium(segments: list[TextSegment], words: int) -> list[str]:
    from jobs.translation.engines import get_translator

    translator = get_translator("apertium")
    lines = ["(a) apertium, one run per pair for all segments vs one run per segment"]
    for source, target in (("en", "es"), ("en", "fr")):
        translator.translate(segments[:1], source, target)  # pairs found, caches warm
        batched = timed(partial(translator.translate, segments, source, target))
        single = timed(partial(one_by_one, translator, segments, source, target))
        print(f"  {source}->{target}: batched {batched:.2f} s, per segment {single:.2f} s")
        lines += [
            f"    {source}->{target}: batched {words / batched:7.0f} words/s ({batched:.2f} s), "
            f"per segment {words / single:5.0f} words/s ({single:.2f} s), "
            f"{single / batched:.1f}x",
        ]
    return lines


def bench_chat(segments: list[TextSegment], words: int) -> list[str]:
    from django.conf import settings

    from jobs.translation.engines import get_translator
    from tests.upstreams.chat import ChatUpstream

    with ChatUpstream(latency=LATENCY_SECONDS).running() as upstream:
        upstream.configure(settings)
        translator = get_translator("openai")
        batched = timed(lambda: translator.translate(segments, "en", "es"))
        batched_requests = len(upstream.requests)
        upstream.requests.clear()
        settings.HARK_TRANSLATION_OPENAI_BATCH_SEGMENTS = 1
        single = timed(lambda: translator.translate(segments, "en", "es"))
        single_requests = len(upstream.requests)
    speedup = single / batched
    return [
        f"(b) openai chat completions, loopback upstream at {LATENCY_SECONDS * 1000:.0f} ms "
        "per request",
        f"    batched: {batched_requests} requests, {batched:.2f} s, {words / batched:.0f} words/s",
        f"    one per segment: {single_requests} requests, {single:.2f} s, "
        f"{words / single:.0f} words/s",
        f"    speed-up {speedup:.1f}x (target >= {CHAT_TARGET:g}x): "
        f"{'met' if speedup >= CHAT_TARGET else 'NOT met'}",
    ]


if __name__ == "__main__":
    sys.exit(main())
