"""The one seam between translation jobs and the translators (``jobs.translation.engines``):
which translators can serve a pair, in what order, at what price, and the call itself."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from jobs.errors import InvalidJobRequest
from jobs.languages import language_name
from jobs.translation import engines
from jobs.translation.engines.base import TextSegment
from jobs.translation.engines.base import price_per_word as base_price_per_word

# Whisper translates speech, not text: it hears the job's audio again with
# ``task=translate``, and can only produce English.
WHISPER = "whisper"


def translation_route(
    source: str, target: str, *, model: str = "auto", fallbacks: Sequence[str] = ()
) -> list[str]:
    """The translators to try for ``source``→``target``, best first; a clear 400 naming
    what is possible when none can."""
    able = [info.name for info in engines.translators_for(source, target)]
    if target == "en" and WHISPER not in able:
        able.append(WHISPER)
    if model and model != "auto":
        wanted = [model, *fallbacks]
        unknown = [name for name in wanted if name not in able]
        if model not in able:
            raise InvalidJobRequest(
                f"The translator '{model}' cannot translate {language_name(source)} into "
                f"{language_name(target)}. {_possible(source, able)}"
            )
        return [name for name in wanted if name not in unknown]
    if not able:
        raise InvalidJobRequest(
            f"No translator here can translate {language_name(source)} into "
            f"{language_name(target)}. {_possible(source, able)}"
        )
    return able


def _possible(source: str, able: list[str]) -> str:
    if able:
        return f"Translators for this pair: {', '.join(able)}."
    targets = sorted(
        {
            pair_target
            for info in engines.enabled_translators()
            for pair_source, pair_target in engines.translator_class(info.name).pairs()
            if pair_source == source
        }
    )
    if not targets:
        return f"Nothing here translates from {language_name(source)}."
    names = ", ".join(f"{language_name(code)} ({code})" for code in targets)
    return f"From {language_name(source)} you can translate into: {names}."


def targets_from(source: str) -> dict[str, list[str]]:
    """Every language some enabled translator reaches from ``source`` → the translators
    that can, best first (the order ``translation_route`` tries them in)."""
    targets = {
        pair_target
        for info in engines.enabled_translators()
        for pair_source, pair_target in engines.translator_class(info.name).pairs()
        if pair_source == source and pair_target != source
    }
    if source != "en":
        targets.add("en")
    return {target: translation_route(source, target) for target in sorted(targets)}


def translator_label(name: str) -> str:
    """A translator's name for people; the bare name once it has left the registry."""
    if name == WHISPER:
        return "Whisper (hears the audio again, into English)"
    try:
        return engines.translator_info(name).label
    except engines.UnknownTranslator:
        return name


def price_per_word(name: str) -> Decimal:
    # Whisper is not a text translator, so it has no TranslatorInfo; its price lives in
    # the same HARK_TRANSLATION_PRICES table.
    if name == WHISPER:
        return base_price_per_word(WHISPER)
    return engines.translator_info(name).price_per_word


def texts_translate(name: str, texts: Sequence[str], source: str, target: str) -> list[str]:
    segments = [TextSegment(id=str(index), text=text) for index, text in enumerate(texts)]
    return engines.get_translator(name).translate(segments, source, target)
