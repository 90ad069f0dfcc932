"""What the text tools know about a language: its stop words and its stemmer.

Both come from maintained libraries' packaged data (sumy's stop words and NLTK's
Snowball stemmers, YAKE's stop words), so nothing is downloaded at run time. A language
they do not know gets no stop words and no stemming: the language-neutral setting, in
which TextRank and YAKE still work from word statistics alone.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from sumy.nlp.stemmers import Stemmer, null_stemmer
from sumy.utils import get_stop_words

# Lower-cases, and nothing more: for languages without a Snowball stemmer.
NO_STEMMING: Callable[[str], str] = null_stemmer


def language_code(language: str | None) -> str:
    """The base language code: "en" for "en", "EN-us" or "en_GB"; "" when not known."""
    return (language or "").strip().lower().replace("_", "-").split("-")[0]


# Where the libraries name a language otherwise than Whisper's ISO 639-1 code: sumy goes
# by English names (and pycountry calls "el" "Modern Greek (1453-)"); YAKE calls Czech
# "cz" and has one Norwegian list.
_SUMY_NAMES = {"el": "greek", "nb": "norwegian", "nn": "norwegian"}
_YAKE_CODES = {"cs": "cz", "nb": "no", "nn": "no"}
# Written without spaces between words; YAKE has no word segmentation for them.
_UNSPACED = frozenset({"ja", "zh", "yue", "th", "lo", "km", "my", "bo"})


@dataclass(frozen=True)
class Lexicon:
    code: str
    # Case-folded; empty for a language neither library knows.
    stop_words: frozenset[str]
    stem: Callable[[str], str]
    # Whether words are set apart by spaces, which word-based topics need.
    spaced: bool = True


@functools.cache
def lexicon(code: str) -> Lexicon:
    """The stop words and stemmer for a base language code (see ``language_code``)."""
    if not code:
        return Lexicon(code, frozenset(), NO_STEMMING)
    # The two libraries' lists differ (sumy's German list lacks words YAKE's has, and the
    # reverse); topics and summary sentences are judged better against their union.
    name = _SUMY_NAMES.get(code, code)
    yake_code = _YAKE_CODES.get(code, code)
    stop_words = {word.casefold() for word in _sumy_stop_words(name) | _yake_stop_words(yake_code)}
    return Lexicon(code, frozenset(stop_words), _stemmer(name), spaced=code not in _UNSPACED)


def _sumy_stop_words(language: str) -> frozenset[str]:
    try:
        return frozenset(get_stop_words(language))
    except (LookupError, KeyError, ValueError):
        return frozenset()


def _yake_stop_words(code: str) -> frozenset[str]:
    # YAKE names its lists by two-letter code and falls back to an empty "noLang" list,
    # which would hide that it does not know the language; read the file directly.
    path = resources.files("yake.core").joinpath("StopwordsList", f"stopwords_{code}.txt")
    if len(code) != 2 or not path.is_file():
        return frozenset()
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("iso-8859-1")
    return frozenset(line.strip() for line in text.splitlines() if line.strip())


def _stemmer(language: str) -> Callable[[str], str]:
    try:
        stemmer: Callable[[str], str] = Stemmer(language)
        # sumy's Greek, Polish and Ukrainian stemmers import an optional package only
        # when first called, and fail then.
        stemmer("probe")
    except (LookupError, KeyError, ValueError, ImportError):
        return NO_STEMMING
    return stemmer
