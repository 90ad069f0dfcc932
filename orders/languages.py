"""GoTranscript's language names, per order type, and the codes Hark's engines and
translators know them by.

The name lists and the per-language turnaround limits are copied from GoTranscript's
API documentation (``shared/seeds/002_…``) so that a client sending what worked there
works here; the codes come from Unicode's CLDR (babel, via ``jobs.languages``), never
from a hand-made table: "persian-farsi" is the CLDR name of its first word that CLDR
knows ("Persian" → fa), "indian-hindi" of its second ("Hindi" → hi).
"""

from __future__ import annotations

import functools

from jobs.languages import language_code

# Transcriptions, captions and proofreading.
HUMAN_LANGUAGES = [
    "english",
    "arabic",
    "bengali",
    "bosnian",
    "catalan",
    "chinese-simplified",
    "chinese-traditional",
    "croatian",
    "czech",
    "danish",
    "dutch",
    "filipino",
    "finnish",
    "french",
    "german",
    "greek",
    "hebrew",
    "hindi",
    "indonesian",
    "italian",
    "japanese",
    "korean",
    "lithuanian",
    "malay",
    "persian-dari",
    "persian-farsi",
    "polish",
    "portuguese",
    "romanian",
    "russian",
    "serbian",
    "slovak",
    "slovenian",
    "spanish",
    "swahili",
    "swedish",
    "thai",
    "turkish",
    "ukrainian",
    "vietnamese",
]
AUTOMATIC_LANGUAGES = [
    "english",
    "arabic",
    "catalan",
    "czech",
    "danish",
    "dutch",
    "finnish",
    "french",
    "german",
    "greek",
    "hebrew",
    "hindi",
    "indonesian",
    "italian",
    "japanese",
    "korean",
    "lithuanian",
    "polish",
    "portuguese",
    "romanian",
    "russian",
    "serbian",
    "slovak",
    "slovenian",
    "spanish",
    "swedish",
    "thai",
    "turkish",
    "ukrainian",
]
# Translations and subtitles (translate_from / translate_to).
TRANSLATION_LANGUAGES = [
    "english",
    "albanian",
    "arabic",
    "armenian",
    "azerbaijani",
    "bengali",
    "bosnian",
    "bulgarian",
    "catalan",
    "simplified-chinese",
    "traditional-chinese",
    "croatian",
    "czech",
    "danish",
    "dutch",
    "estonian",
    "filipino",
    "finnish",
    "french",
    "french-canadian",
    "georgian",
    "german",
    "greek",
    "hebrew",
    "hungarian",
    "indian-gujarati",
    "indian-hindi",
    "indian-tamil",
    "indonesian",
    "italian",
    "japanese",
    "korean",
    "kurdish",
    "kyrgyz",
    "latvian",
    "lithuanian",
    "luxembourgish",
    "macedonian",
    "malay",
    "nepali",
    "norwegian",
    "pashto",
    "persian-farsi",
    "polish",
    "portuguese",
    "portuguese-brazil",
    "portuguese-portugal",
    "romanian",
    "russian",
    "serbian",
    "slovak",
    "slovenian",
    "somali",
    "spanish-latin",
    "spanish",
    "swahili",
    "swedish",
    "thai",
    "turkish",
    "ukrainian",
    "urdu",
    "vietnamese",
]
ALIGNMENT_LANGUAGES = ["english", "french", "spanish"]

TURNAROUNDS = ("12_hours", "1_days", "3_days", "5_days")
DEFAULT_TURNAROUND = "5_days"
TURNAROUND_HOURS = {"12_hours": 12, "1_days": 24, "3_days": 72, "5_days": 120}
# GoTranscript's per-language limits: every other language is offered all four.
_ONLY = {
    "dutch": ("3_days", "5_days"),
    **dict.fromkeys(
        [
            "bosnian",
            "catalan",
            "croatian",
            "filipino",
            "french",
            "hebrew",
            "indonesian",
            "lithuanian",
            "persian-dari",
            "persian-farsi",
            "portuguese",
            "romanian",
            "russian",
            "serbian",
            "swahili",
            "swedish",
            "turkish",
            "vietnamese",
        ],
        ("5_days",),
    ),
}


def turnarounds_for(language: str) -> tuple[str, ...]:
    """The turnaround times GoTranscript offers for ``language``."""
    return _ONLY.get(language, TURNAROUNDS)


@functools.cache
def code_for(name: str) -> str:
    """The language code of a GoTranscript name ("persian-farsi" → "fa"); "" if CLDR
    knows none of its words (a test asserts every listed name resolves)."""
    words = name.split("-")
    for candidate in (" ".join(words), *words):
        code = language_code(candidate)
        if code:
            return code
    return ""


def name_for(code: str, names: list[str]) -> str:
    """The first of ``names`` for ``code`` (what a detected language is reported as)."""
    return next((name for name in names if code_for(name) == code), code)
