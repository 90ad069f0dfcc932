"""Registry of speech engines: name → lazily imported class.

Adding an engine is one module and one line here; the model choices offered by the API,
the languages endpoint and the upload form are all derived from this dict.
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

from django.conf import settings

from jobs.engines.base import Engine, EngineInfo, ProviderError

ENGINES: dict[str, str] = {
    "local": "jobs.engines.local.LocalEngine",
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


def enabled_engines() -> list[EngineInfo]:
    """Engines this installation offers, in the order of HARK_ENGINES."""
    return [engine_class(name).info for name in settings.HARK_ENGINES if name in ENGINES]


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
