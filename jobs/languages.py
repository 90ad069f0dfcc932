"""Language names for the codes engines declare (ISO 639), from Unicode's CLDR via babel.

A maintained library rather than our own table: CLDR names every language an engine may
add, and agrees with what people expect to read ("German", "Japanese").
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from babel import Locale

from jobs.engines.base import EngineInfo

# Codes Whisper and older systems use that ISO 639 has replaced.
_RETIRED_CODES = {"iw": "he", "jw": "jv", "in": "id", "ji": "yi", "mo": "ro"}

# Every language CLDR names in English, by its bare code (regional variants such as
# "pt_BR" are left out: engines declare languages, not locales).
LANGUAGE_NAMES: dict[str, str] = {
    code: name for code, name in Locale("en").languages.items() if "_" not in code
}

# Other English names speech services use for a language (OpenAI's verbose_json says
# "castilian" or "flemish" where CLDR says Spanish or Dutch).
_OTHER_NAMES = {
    "castilian": "es", "flemish": "nl", "haitian": "ht", "letzeburgesch": "lb",
    "moldavian": "ro", "moldovan": "ro", "mandarin": "zh", "panjabi": "pa",
    "pushto": "ps", "sinhalese": "si", "valencian": "ca", "burmese": "my", "bengali": "bn",
}  # fmt: skip


def _folded(name: str) -> str:
    """Lower case without accents: "Māori" and "maori" are the same name."""
    decomposed = unicodedata.normalize("NFKD", name.strip().lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _codes_by_name() -> dict[str, str]:
    codes: dict[str, str] = {}
    for code, name in LANGUAGE_NAMES.items():
        # Two-letter codes win over three-letter ones for the same name.
        for key in {name.lower(), _folded(name)}:
            if key not in codes or len(code) < len(codes[key]):
                codes[key] = code
    codes.update(_OTHER_NAMES)
    return codes


# Lower-case English names (with and without accents) → code, for upstreams that answer
# "english" rather than "en".
CODES_BY_NAME: dict[str, str] = _codes_by_name()


def language_name(code: str) -> str:
    """The English name of a language code ("de" → "German"); the code when unknown."""
    bare = code.strip().replace("-", "_").split("_", 1)[0].lower()
    bare = _RETIRED_CODES.get(bare, bare)
    return LANGUAGE_NAMES.get(bare, code)


def language_code(name: str) -> str | None:
    """The code of a language named in English ("German" → "de"), or None."""
    return CODES_BY_NAME.get(name.strip().lower()) or CODES_BY_NAME.get(_folded(name))


def language_catalog(engines: Sequence[EngineInfo]) -> list[dict[str, object]]:
    """What ``engines`` offer together: each language with the engines that serve it,
    led by ``{"code": "", "name": "Auto-detect"}`` when one of them detects languages."""
    serving: dict[str, list[str]] = {}
    for info in engines:
        for code in info.languages:
            serving.setdefault(code, []).append(info.name)
    detecting = [info.name for info in engines if info.detects_language]
    catalog: list[dict[str, object]] = (
        [{"code": "", "name": "Auto-detect", "engines": detecting}] if detecting else []
    )
    catalog += [
        {"code": code, "name": language_name(code), "engines": names}
        for code, names in sorted(serving.items())
    ]
    return catalog
