"""What a person typed into the search box, made safe for both backends, and the snippet
shown for each hit.

Input is never passed to a query language as typed: it is cut into words (letters and
digits only), each group of words becomes a quoted phrase, and only those phrases reach
FTS5's MATCH or PostgreSQL's ``to_tsquery``. So quotes, ``*``, ``NEAR(``, ``AND(`` or
``<script>`` are plain text to search for, never syntax that could fail (a 500) or
widen the search.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from html import escape

MAX_QUERY_LENGTH = 200
# The last word matches as a prefix ("americ" finds "Americans") once it is this long;
# shorter prefixes match too much to rank usefully.
PREFIX_MIN_LENGTH = 3
# A segment longer than this is cut to a window of words around its first match.
SNIPPET_WORDS = 30

_CHUNK = re.compile(r'"([^"]*)"?|(\S+)')
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SearchTerms:
    """Phrases to find, all of them (AND); each is one or more words in order."""

    phrases: tuple[tuple[str, ...], ...]
    # Whether the last word of the last phrase matches as a prefix.
    prefix: bool

    def __bool__(self) -> bool:
        return bool(self.phrases)

    def fts5(self) -> str:
        """An FTS5 MATCH expression: every phrase quoted (``"a b" "c"*``)."""
        parts = ['"' + " ".join(words).replace('"', '""') + '"' for words in self.phrases]
        if self.prefix:
            parts[-1] += "*"
        return " ".join(parts)

    def tsquery(self) -> str:
        """A ``to_tsquery`` expression: ``('a' <-> 'b') & 'c':*``. Words hold only letters
        and digits, so quoting them is enough."""
        parts = []
        for index, words in enumerate(self.phrases):
            quoted = [f"'{word}'" for word in words]
            if self.prefix and index == len(self.phrases) - 1:
                quoted[-1] += ":*"
            parts.append("(" + " <-> ".join(quoted) + ")")
        return " & ".join(parts)


def search_terms(text: str) -> SearchTerms:
    """Words in double quotes stay together as a phrase; so do the pieces of one written
    word (``don't`` → ``don t``), as both tokenizers split it that way."""
    phrases: list[tuple[str, ...]] = []
    last_quoted = False
    for match in _CHUNK.finditer(text):
        quoted = match.group(1) is not None
        words = tuple(
            word.lower() for word in _WORD.findall(match.group(1) if quoted else match.group(2))
        )
        if words:
            phrases.append(words)
            last_quoted = quoted
    prefix = bool(phrases) and not last_quoted and len(phrases[-1][-1]) >= PREFIX_MIN_LENGTH
    return SearchTerms(tuple(phrases), prefix)


def fold(word: str) -> str:
    """A word as both backends compare it: case and accents ignored ("Café" → "cafe")."""
    decomposed = unicodedata.normalize("NFKD", word.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class Snippet:
    text: str
    html: str


def snippet(text: str, terms: SearchTerms) -> Snippet:
    """The segment's text (or a window of it around the first match) as plain text, and
    as HTML with every matching word in ``<mark>``; everything else is escaped."""
    wanted = {fold(word) for words in terms.phrases for word in words}
    prefix = fold(terms.phrases[-1][-1]) if terms.prefix else None
    words = list(re.finditer(r"\S+", text))
    if not words:
        return Snippet("", "")
    matches = [
        m for m in _WORD.finditer(text)
        if fold(m.group()) in wanted or (prefix and fold(m.group()).startswith(prefix))
    ]  # fmt: skip
    begin, end = 0, len(text)
    lead, tail = "", ""
    if len(words) > SNIPPET_WORDS:
        first = next(
            (i for i, w in enumerate(words) if matches and w.end() > matches[0].start()), 0
        )
        low = max(0, min(first - SNIPPET_WORDS // 3, len(words) - SNIPPET_WORDS))
        high = low + SNIPPET_WORDS
        begin, end = words[low].start(), words[high - 1].end()
        lead = "… " if low > 0 else ""
        tail = " …" if high < len(words) else ""
    html, at = [escape(lead)], begin
    for m in matches:
        if m.start() < begin or m.end() > end:
            continue
        html.append(escape(text[at : m.start()]))
        html.append(f"<mark>{escape(m.group())}</mark>")
        at = m.end()
    html.append(escape(text[at:end]) + escape(tail))
    plain = lead + text[begin:end] + tail
    return Snippet(plain, "".join(html))
