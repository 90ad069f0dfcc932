"""Registry of speech engines and upstream providers: name → lazily imported class.

Adding one is one module and one line here; the model choices offered by the API, the
languages endpoint, the upload form and routing are all derived from this dict. An
engine is offered when it is listed in ``HARK_ENGINES`` (by default: ``local`` and every
provider whose settings are present) and can serve right now (its library, model and
settings are there); otherwise ``disabled_engines`` says why.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from django.conf import settings

from jobs.engines.base import Engine, EngineInfo, ProviderError

ENGINES: dict[str, str] = {
    "local": "jobs.engines.local.LocalEngine",
    "whisper": "jobs.engines.whisper.WhisperEngine",
    "openai": "jobs.engines.openai_upstream.OpenAIProvider",
    "deepgram": "jobs.engines.deepgram.DeepgramProvider",
    "assemblyai": "jobs.engines.assemblyai.AssemblyAIProvider",
}


class UnknownEngine(ProviderError):
    def __init__(self, name: str) -> None:
        super().__init__(f"There is no engine called '{name}'.", permanent=True)


@cache
def engine_class(name: str) -> type[Engine]:
    try:
        dotted = ENGINES[name]
    except KeyError:
        raise UnknownEngine(name) from None
    module_name, _, class_name = dotted.rpartition(".")
    cls: type[Engine] = getattr(import_module(module_name), class_name)
    return cls


def engine_info(name: str) -> EngineInfo:
    return engine_class(name).describe()


def _listed() -> list[str]:
    return [name for name in settings.HARK_ENGINES if name in ENGINES]


def enabled_engines() -> list[EngineInfo]:
    """Engines this installation offers now, in the order of HARK_ENGINES."""
    return [
        engine_class(name).describe()
        for name in _listed()
        if engine_class(name).unavailable_reason() is None
    ]


def disabled_engines() -> dict[str, str]:
    """Listed engines that cannot serve, with the reason, for the operator."""
    reasons: dict[str, str] = {}
    for name in _listed():
        reason = engine_class(name).unavailable_reason()
        if reason is not None:
            reasons[name] = reason
    return reasons


def resolve_engine(requested: str | None) -> EngineInfo | None:
    """The enabled engine a client's ``model`` value names (by name or alias), or None."""
    if not requested:
        requested = settings.HARK_DEFAULT_ENGINE
    for info in enabled_engines():
        if requested == info.name or requested in info.aliases:
            return info
    return None


def get_engine(name: str) -> Engine:
    return engine_class(name)()
