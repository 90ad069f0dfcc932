"""Which engine a client's ``model`` (or fallback) names: our engines by name or alias,
the operator's ``HARK_MODEL_ALIASES``, and the model ids other speech services document
(GateFlow's, OpenAI's, AudioToTextAI's), so their customers' code runs unchanged."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from jobs.engines import enabled_engines
from jobs.engines.base import EngineInfo
from jobs.errors import InvalidJobRequest

AUTO = "auto"

# Model ids other speech services document, so their customers' code runs here with only
# the base URL and key changed. Unless HARK_MODEL_ALIASES maps one to an engine, each
# means what its customers want from it: the best enabled engine that can serve the
# request (model=auto, prefer=quality unless they said otherwise).
FOREIGN_MODELS: dict[str, str] = {
    "whisper-1": "OpenAI, GateFlow",
    "voxtral-mini-latest": "GateFlow (Mistral)",
    "voxtral-mini-2602": "GateFlow (Mistral)",
    "gemini-2.5-flash": "GateFlow (Google)",
    "gemini-2.5-pro": "GateFlow (Google)",
    "whisper-large-v3": "AudioToTextAI",
    "whisper-turbo": "AudioToTextAI",
}


@dataclass(frozen=True)
class ModelAlias:
    """Another service's model id accepted here, and what it is served by."""

    id: str
    # An engine's name, or "auto".
    target: str
    # Who documents the id ("" for one only the operator added).
    documented_by: str


def configured_aliases() -> dict[str, str]:
    """HARK_MODEL_ALIASES: model id → engine name (or "auto"), set by the operator."""
    configured: dict[str, str] = settings.HARK_MODEL_ALIASES
    return {str(key).strip(): str(value).strip() for key, value in configured.items()}


def model_aliases() -> list[ModelAlias]:
    """Every other service's model id accepted on this installation now: the known ones
    and the operator's, leaving out any mapped to an engine that is not enabled."""
    configured = configured_aliases()
    enabled = enabled_engines()
    ids = [*FOREIGN_MODELS, *(key for key in configured if key not in FOREIGN_MODELS)]
    aliases = []
    for model_id in ids:
        try:
            target = resolve_model(model_id, enabled)
        except InvalidJobRequest:
            continue
        name = target if isinstance(target, str) else target.name
        aliases.append(ModelAlias(model_id, name, FOREIGN_MODELS.get(model_id, "")))
    return aliases


def resolve_model(
    model: str, enabled: list[EngineInfo], *, role: str = "model"
) -> EngineInfo | str:
    """The enabled engine ``model`` names, or ``AUTO`` when it asks for routing.

    The operator's HARK_MODEL_ALIASES come first, then our engines' names and their own
    aliases, then other services' ids (``FOREIGN_MODELS``, routed automatically).
    InvalidJobRequest names what is available otherwise.
    """
    model = model.strip()
    configured = configured_aliases()
    if model in configured:
        target = configured[model]
        if target == AUTO:
            return AUTO
        engine = find_engine(enabled, target)
        if engine is None:
            raise InvalidJobRequest(
                f"The {role} '{model}' is not available here (the engine serving it, "
                f"{target}, is not enabled). {_available(enabled)}"
            )
        return engine
    if model == AUTO:
        return AUTO
    engine = find_engine(enabled, model)
    if engine is not None:
        return engine
    if model in FOREIGN_MODELS:
        return AUTO
    raise InvalidJobRequest(f"The {role} '{model}' is not available here. {_available(enabled)}")


def _available(enabled: list[EngineInfo]) -> str:
    names = ", ".join([*(info.name for info in enabled), AUTO])
    configured = configured_aliases()
    usable = [
        model_id
        for model_id, target in configured.items()
        if target == AUTO or find_engine(enabled, target) is not None
    ]
    others = [model_id for model_id in FOREIGN_MODELS if model_id not in configured]
    return (
        f"Available models: {names}. Other services' model ids accepted here: "
        f"{', '.join([*others, *usable])}."
    )


def find_engine(engines: list[EngineInfo], name: str) -> EngineInfo | None:
    for info in engines:
        if name == info.name or name in info.aliases:
            return info
    return None
