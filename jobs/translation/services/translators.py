"""The one seam between translation jobs and the translators (``jobs.translation.engines``):
which translators can serve a pair, in what order, at what price, and the call itself.

Translations route exactly as transcriptions do (``jobs.routing``): ``model=auto`` ranks
every translator that can take the pair by ``prefer`` (``quality``, ``speed``, or
``cost`` by price per word), a named translator is tried first, then the listed
``fallbacks``; the calls go through ``route_call`` with the circuit breaker shared with
the speech providers (keyed ``translator:<name>``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from jobs.errors import InvalidJobRequest
from jobs.languages import language_name
from jobs.model_names import AUTO
from jobs.routing import WorkKind, candidates_ranked, prefer_check, route_order
from jobs.translation import engines
from jobs.translation.engines.base import TextSegment, TranslatorInfo
from jobs.translation.engines.base import price_per_word as base_price_per_word

# Whisper translates speech, not text: it hears the job's audio again with
# ``task=translate``, and can only produce English.
WHISPER = "whisper"


def _whisper_info() -> TranslatorInfo:
    # Slow (the audio is decoded and heard again) and, for routing, no better than the
    # text translators: chosen automatically where nothing else can serve.
    return TranslatorInfo(
        name=WHISPER,
        label="Whisper (speech into English)",
        price_per_word=base_price_per_word(WHISPER),
        quality_rank=1,
        speed_rank=1,
        notes="Hears the recording again and writes it in English.",
        upstream=False,
    )


def _enabled_names() -> set[str]:
    return {info.name for info in engines.enabled_translators()} | {WHISPER}


TEXT = WorkKind(
    enabled=_enabled_names,
    nobody="No translator could translate this right now",
    breaker_prefix="translator:",
)


def translators_able(source: str, target: str) -> list[TranslatorInfo]:
    """The translators that can take ``source``→``target`` now, in the operator's order
    (Whisper, for English, last)."""
    able = [
        info
        for info in engines.enabled_translators()
        if (source, target) in engines.translator_class(info.name).pairs()
    ]
    if target == "en":
        able.append(_whisper_info())
    return able


def translation_route(
    source: str,
    target: str,
    *,
    model: str = AUTO,
    fallbacks: Sequence[str] = (),
    prefer: str = "",
    audio_kept: bool = True,
) -> list[str]:
    """The translators to try for ``source``→``target``, in order; a clear 400 naming
    what is possible when the request cannot be served.

    Whisper translates from the audio, so it is left out when the audio is gone (the
    organization's retention deleted it): refused here, not failed later in the worker.
    """
    prefer_check(prefer)
    able = translators_able(source, target)
    if not audio_kept:
        able = [info for info in able if info.name != WHISPER]
    names = [info.name for info in able]
    named = model if model and model != AUTO else None
    if named == WHISPER and not audio_kept:
        raise InvalidJobRequest(
            "Whisper translates from the recording, and this job's audio was deleted "
            f"under your organization's retention setting. {_possible(source, names)}"
        )
    if named is not None and named not in names:
        raise InvalidJobRequest(
            f"The translator '{named}' cannot translate {language_name(source)} into "
            f"{language_name(target)}. {_possible(source, names)}"
        )
    if not able:
        raise InvalidJobRequest(
            f"No translator here can translate {language_name(source)} into "
            f"{language_name(target)}. {_possible(source, names)}"
        )
    for name in fallbacks:
        if name != AUTO and name not in names:
            raise InvalidJobRequest(
                f"The fallback translator '{name}' cannot translate {language_name(source)} "
                f"into {language_name(target)}. {_possible(source, names)}"
            )
    ranked = candidates_ranked(able, prefer, price=lambda info: info.price_per_word)
    return list(route_order([info.name for info in ranked], named=named, fallbacks=fallbacks))


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
    # Whisper is not a text translator, so it has no registry entry; its price lives in
    # the same HARK_TRANSLATION_PRICES table.
    if name == WHISPER:
        return base_price_per_word(WHISPER)
    return engines.translator_info(name).price_per_word


def texts_translate(name: str, texts: Sequence[str], source: str, target: str) -> list[str]:
    segments = [TextSegment(id=str(index), text=text) for index, text in enumerate(texts)]
    return engines.get_translator(name).translate(segments, source, target)
