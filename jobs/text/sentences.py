"""Sentences and words of a transcript, without NLTK's data.

sumy's own ``Tokenizer`` needs NLTK's punkt models, which are a download; we never
download at run time. Whisper writes sentence punctuation, and its segments are the
engine's own breaks, which is all a transcript needs: a sentence ends at ".", "?", "!" or
"…" before a word that does not start in lower case, unless the full stop ends a short
abbreviation ("Dr.", "z. B.") or, in German, an ordinal ("am 3. Mai").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from jobs.engines.base import Segment
from jobs.text.language import language_code

# Closing quotes and brackets stay with the sentence they close. (Typographic quotes and
# full-width marks are what Whisper writes, not look-alikes by mistake: hence the noqa.)
_BOUNDARY = re.compile(r"[.?!…]+[\"'»”’)\]]*\s+|[。！？]+[\"'»”’)\]」』]*\s*")  # noqa: RUF001
_OPENING = "\"'«“‘„¿¡(["  # noqa: RUF001
_LAST_WORD = re.compile(r"(\w+)\W*$")
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "nr", "bzw", "ca", "vgl",
     "hr", "fr", "sra", "srta", "mme", "mlle"}
)  # fmt: skip
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")  # noqa: RUF001


@dataclass(frozen=True)
class SpokenSentence:
    text: str
    language: str
    # Its position in the transcript, to put a selection back in spoken order.
    order: int


def spoken_sentences(
    segments: Sequence[Segment], *, language: str | None = None
) -> list[SpokenSentence]:
    """The transcript's sentences in order, each in the language of its segments
    (``language`` for segments that do not say theirs), each a piece of the text."""
    sentences: list[SpokenSentence] = []
    for code, texts in _runs(segments, fallback=language_code(language)):
        text = " ".join(texts)
        # Text without any sentence punctuation (PocketSphinx, some upstreams): the
        # engine's segments are the best sentence breaks there are.
        pieces = split_sentences(text, code) if _has_sentence_end(text) else texts
        for piece in pieces:
            sentences.append(SpokenSentence(piece, code, order=len(sentences)))
    return sentences


def split_sentences(text: str, language: str = "") -> list[str]:
    """``text`` cut into sentences, each stripped, none empty."""
    sentences = []
    start = 0
    for boundary in _BOUNDARY.finditer(text):
        if _continues(text, boundary, language):
            continue
        sentences.append(text[start : boundary.end()].strip())
        start = boundary.end()
    sentences.append(text[start:].strip())
    return [sentence for sentence in sentences if sentence]


def words(sentence: str) -> tuple[str, ...]:
    """The words of a sentence: letters, with inner apostrophes and hyphens."""
    return tuple(_WORD.findall(sentence))


class WordTokenizer:
    """What sumy asks of a tokenizer for a ready-split sentence (``Sentence.words``)."""

    def to_words(self, sentence: str) -> tuple[str, ...]:
        return words(sentence)


def _runs(segments: Sequence[Segment], *, fallback: str) -> list[tuple[str, list[str]]]:
    """Consecutive segments in one language, so that no sentence spans a switch."""
    runs: list[tuple[str, list[str]]] = []
    for segment in segments:
        text = segment.text.strip()
        if not text:
            continue
        code = language_code(segment.language) or fallback
        if runs and runs[-1][0] == code:
            runs[-1][1].append(text)
        else:
            runs.append((code, [text]))
    return runs


def _has_sentence_end(text: str) -> bool:
    return _BOUNDARY.search(text + " ") is not None


def _continues(text: str, boundary: re.Match[str], language: str) -> bool:
    """Whether the sentence goes on past this punctuation."""
    following = text[boundary.end() :].lstrip(_OPENING)
    if following[:1].islower():
        return True
    if not boundary.group().startswith(".") or boundary.group().startswith(".."):
        return False
    last = _LAST_WORD.search(text[: boundary.start() + 1])
    if last is None:
        return False
    word = last.group(1)
    if word.casefold() in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
        return True
    return language == "de" and word.isdigit()
