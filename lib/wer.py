"""Word error rate: transcripts against reference text in tests and benchmarks, and a
customer's transcript against Whisper's before proofreading (jobs.alignment.proofreading)."""

from __future__ import annotations

import re

# A word is letters/digits, optionally joined by apostrophes inside it ("don't", "o'clock");
# everything else (punctuation, quotes at the edges, dashes) only separates words.
_APOSTROPHES = "'\u2019"  # typewriter and typographic
_WORD = re.compile(rf"[^\W_]+(?:[{_APOSTROPHES}][^\W_]+)*")


def normalize_words(text: str) -> list[str]:
    """Lower-case ``text`` and split it into words, dropping punctuation."""
    return [word.replace("\u2019", "'") for word in _WORD.findall(text.lower())]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """(substitutions + deletions + insertions) / number of reference words.

    Both texts are normalised first. An empty reference scores 0.0 against an empty
    hypothesis and 1.0 against anything else, so the result is always defined.
    """
    ref = normalize_words(reference)
    hyp = normalize_words(hypothesis)
    if not ref:
        return 0.0 if not hyp else 1.0
    # Classic Levenshtein distance over words, keeping only one row of the table.
    previous = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, start=1):
        current = [i]
        for j, hyp_word in enumerate(hyp, start=1):
            current.append(
                min(
                    previous[j] + 1,  # deletion
                    current[j - 1] + 1,  # insertion
                    previous[j - 1] + (ref_word != hyp_word),  # substitution or match
                )
            )
        previous = current
    return previous[-1] / len(ref)
