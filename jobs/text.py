"""Offline text post-processing: Gumzo's job types, and an extractive summary.

The local engine emits lower-case words without punctuation. "Smart" drops fillers and
gives each segment sentence case; "Verbatim" keeps every word as heard.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from jobs.engines.base import Segment
from jobs.models import JobType

FILLERS = frozenset({"um", "uh", "er", "erm", "ah", "hmm", "mm", "uhm"})
STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "yourself",
    ]
)
WORD = re.compile(r"[a-z][a-z']+")


def apply_job_type(segments: Sequence[Segment], job_type: str) -> list[Segment]:
    if job_type == JobType.VERBATIM:
        return list(segments)
    return [_smart(segment) for segment in segments]


def _smart(segment: Segment) -> Segment:
    words = tuple(w for w in segment.words if w.text.lower() not in FILLERS)
    kept = [t for t in segment.text.split() if t.lower() not in FILLERS]
    text = " ".join(kept)
    if text:
        text = text[0].upper() + text[1:]
        if text[-1] not in ".?!":
            text += "."
    return replace(segment, text=text, words=words)


def summarize(
    segments: Sequence[Segment], *, sentences: int = 3, topics: int = 5
) -> tuple[str, list[str]]:
    """The highest-scoring segments (by frequency of their content words), in spoken
    order, and the most frequent content words as topics."""
    counts: Counter[str] = Counter(
        word
        for segment in segments
        for word in WORD.findall(segment.text.lower())
        if word not in STOPWORDS and word not in FILLERS
    )
    if not counts:
        return "", []

    def score(segment: Segment) -> float:
        words = [w for w in WORD.findall(segment.text.lower()) if w in counts]
        return sum(counts[w] for w in words) / (len(words) + 1) if words else 0.0

    ranked = sorted(range(len(segments)), key=lambda i: score(segments[i]), reverse=True)
    chosen = sorted(ranked[:sentences])
    summary = " ".join(segments[i].text.strip() for i in chosen if segments[i].text.strip())
    return summary, [word for word, _ in counts.most_common(topics)]
