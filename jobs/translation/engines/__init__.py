"""Registry of translation engines: name → lazily imported class.

Mirrors the speech engines' registry (``jobs.engines``): adding a translator is one
module and one line here. A translator is offered when it is listed in
``HARK_TRANSLATORS`` (by default: ``apertium`` and every upstream whose settings are
present) and can serve right now; otherwise ``disabled_translators`` says why.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from django.conf import settings

from jobs.engines.base import ProviderError
from jobs.translation.engines.base import (
    LanguagePair,
    TextSegment,
    Translator,
    TranslatorInfo,
)

__all__ = [
    "TRANSLATORS",
    "LanguagePair",
    "ProviderError",
    "TextSegment",
    "Translator",
    "TranslatorInfo",
    "UnknownTranslator",
    "disabled_translators",
    "enabled_translators",
    "get_translator",
    "translator_class",
    "translator_info",
    "translators_for",
]

TRANSLATORS: dict[str, str] = {
    "apertium": "jobs.translation.engines.apertium.ApertiumTranslator",
    "openai": "jobs.translation.engines.openai_chat.OpenAIChatTranslator",
    "deepl": "jobs.translation.engines.deepl.DeepLTranslator",
    "libretranslate": "jobs.translation.engines.libretranslate.LibreTranslateTranslator",
}


class UnknownTranslator(ProviderError):
    def __init__(self, name: str) -> None:
        super().__init__(f"There is no translator called '{name}'.", permanent=True)


@cache
def translator_class(name: str) -> type[Translator]:
    try:
        dotted = TRANSLATORS[name]
    except KeyError:
        raise UnknownTranslator(name) from None
    module_name, _, class_name = dotted.rpartition(".")
    cls: type[Translator] = getattr(import_module(module_name), class_name)
    return cls


def translator_info(name: str) -> TranslatorInfo:
    return translator_class(name).describe()


def _listed() -> list[str]:
    return [name for name in settings.HARK_TRANSLATORS if name in TRANSLATORS]


def enabled_translators() -> list[TranslatorInfo]:
    """Translators this installation offers now, in the order of HARK_TRANSLATORS."""
    return [
        translator_class(name).describe()
        for name in _listed()
        if translator_class(name).unavailable_reason() is None
    ]


def disabled_translators() -> dict[str, str]:
    """Listed translators that cannot serve, with the reason, for the operator."""
    reasons: dict[str, str] = {}
    for name in _listed():
        reason = translator_class(name).unavailable_reason()
        if reason is not None:
            reasons[name] = reason
    return reasons


def translators_for(source: str, target: str) -> list[TranslatorInfo]:
    """Enabled translators that can take ``source`` → ``target`` now, best quality first
    (then the cheaper, then the order of HARK_TRANSLATORS)."""
    able = [
        info
        for info in enabled_translators()
        if (source, target) in translator_class(info.name).pairs()
    ]
    # sorted() is stable, so equal translators keep the operator's order.
    return sorted(able, key=lambda info: (-info.quality_rank, info.price_per_word))


def get_translator(name: str) -> Translator:
    return translator_class(name)()
