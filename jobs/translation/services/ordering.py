"""A transcription ordered with its translation (GoTranscript's ``translate_to``): the
target checked and the translation priced when the transcription is ordered.

The transcript's words are not known until it exists, so the order is priced on an
estimate: the minutes of audio times ``WORDS_PER_MINUTE``, at the price per word of the
translator that would serve the pair (when the spoken language is still to be
detected: the dearest translator into the target, whatever the source). The estimate
is held with the transcription and is a ceiling: once the transcript is stored the
translation is priced on its real words, never above the estimate
(``jobs.translation.services.follow_up``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from jobs import languages
from jobs.errors import InvalidJobRequest
from jobs.languages import language_name
from jobs.text.language import language_code
from jobs.translation import engines
from jobs.translation.services.intake import translation_plan, translation_quote
from jobs.translation.services.translators import price_per_word

# Read speech runs at 150-160 words a minute and lively conversation near 180; few
# recordings go faster. A generous rate keeps the held estimate above the real words,
# so the ceiling rarely bites while the customer still pays only for the words spoken.
WORDS_PER_MINUTE = 180


@dataclass(frozen=True)
class TranslationEstimate:
    to_language: str
    # "" while the spoken language is to be detected.
    from_language: str
    words: int
    translator: str
    price_per_word: Decimal
    credits: Decimal
    words_per_minute: int = WORDS_PER_MINUTE


def target_code(value: str) -> str:
    """A target as customers write it (``es``, ``es-MX``, ``Spanish``, GoTranscript's
    ``spanish-latin`` or ``portuguese-brazil``) as a base language code; what is not
    a language comes back as its lower-cased base, for the check to refuse by name."""
    text = value.strip().lower()
    for name in (text, *text.split("-")):
        code = languages.language_code(name) if name else None
        if code:
            return code
    return language_code(text)


def translation_targets() -> dict[str, list[str]]:
    """Every language a transcript in each source language can be translated into by an
    enabled translator: ``{"en": ["ca", "es", …], …}``."""
    targets: dict[str, set[str]] = {}
    for info in engines.enabled_translators():
        for source, target in engines.translator_class(info.name).pairs():
            targets.setdefault(source, set()).add(target)
    return {source: sorted(found) for source, found in sorted(targets.items())}


def translation_order_check(source: str, to_language: str) -> tuple[str, list[str]]:
    """The target's code and the translators that could serve it, for a transcript in
    ``source`` ("" = to be detected): a 400 naming what is possible when none could."""
    target = target_code(to_language)
    reachable = sorted({code for codes in translation_targets().values() for code in codes})
    if target not in reachable:
        name = language_name(target)
        if name == target:
            what = f"'{to_language}'"
        elif name.lower() == to_language.strip().lower():
            what = name
        else:
            what = f"{name} ('{to_language}')"
        offer = ", ".join(
            f"{language_name(code)} ({code})" for code in sorted(reachable, key=language_name)
        )
        raise InvalidJobRequest(
            f"translate_to: nothing here translates into {what}. "
            + (f"Transcripts can be translated into: {offer}." if offer else "")
        )
    if source:
        return target, translation_plan(source, target)
    able = {
        info.name
        for info in engines.enabled_translators()
        if any(pair[1] == target for pair in engines.translator_class(info.name).pairs())
    }
    return target, sorted(able)


def translation_estimate(*, source: str, to_language: str, seconds: float) -> TranslationEstimate:
    """What translating ``seconds`` of speech into ``to_language`` will cost at most."""
    target, translators = translation_order_check(source, to_language)
    # The dearest translator that could serve: what the order will hold.
    translator = max(translators, key=price_per_word)
    words = math.ceil(seconds / 60 * WORDS_PER_MINUTE)
    return TranslationEstimate(
        to_language=target,
        from_language=source,
        words=words,
        translator=translator,
        price_per_word=price_per_word(translator),
        credits=translation_quote(words, translator),
    )


def translation_offer() -> dict[str, object]:
    """What the upload page offers: the targets from each source language, their
    names, and the most a minute of audio can cost to translate into each (the
    dearest translator into it, at ``WORDS_PER_MINUTE``)."""
    targets = translation_targets()
    dearest: dict[str, Decimal] = {}
    for info in engines.enabled_translators():
        for _source, target in engines.translator_class(info.name).pairs():
            dearest[target] = max(dearest.get(target, Decimal("0")), info.price_per_word)
    codes = sorted({code for found in targets.values() for code in (*found,)} | set(targets))
    return {
        "targets": targets,
        "names": {code: language_name(code) for code in codes},
        "per_minute": {
            code: f"{(price * WORDS_PER_MINUTE).normalize():f}" for code, price in dearest.items()
        },
        "words_per_minute": WORDS_PER_MINUTE,
    }
