"""Validation of what a client asks for against what the chosen engine can serve.

Nothing is silently ignored: an option the engine cannot honour is an error that names
what is supported, so customers learn at submission time, not from a poor transcript.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jobs.engines import enabled_engines, resolve_engine
from jobs.engines.base import EngineInfo
from jobs.errors import InvalidJobRequest
from jobs.languages import language_name
from jobs.models import JobType


@dataclass(frozen=True)
class TranscriptionOptions:
    model: str = ""
    language: str = ""
    job_type: str = JobType.VERBATIM
    diarization: bool = False
    timestamps: bool = True
    word_timestamps: bool = False
    summary: bool = False
    vocabulary: tuple[str, ...] = field(default_factory=tuple)
    webhook_url: str = ""


def options_resolve_engine(options: TranscriptionOptions) -> tuple[EngineInfo, str]:
    """The engine that will serve ``options`` and the language to use, or InvalidJobRequest."""
    engine = resolve_engine(options.model)
    if engine is None:
        names = ", ".join(info.name for info in enabled_engines()) or "none"
        raise InvalidJobRequest(
            f"The model '{options.model}' is not available here. Available models: {names}."
        )
    language = (options.language or "").strip().lower()
    if language in {"", "auto"}:
        language = engine.languages[0]
    language = language.split("-", 1)[0]
    if language not in engine.languages:
        supported = ", ".join(f"{code} ({language_name(code)})" for code in engine.languages)
        raise InvalidJobRequest(
            f"The {engine.label} engine cannot transcribe '{language}'. It supports: {supported}."
        )
    if options.diarization and not engine.diarization:
        others = [info.name for info in enabled_engines() if info.diarization]
        hint = (
            f"Choose a model that supports it: {', '.join(others)}."
            if others
            else "No enabled engine supports it; send diarization=false."
        )
        raise InvalidJobRequest(
            f"Speaker diarization is not available on the {engine.label} engine. {hint}"
        )
    if options.word_timestamps and not engine.word_timestamps:
        raise InvalidJobRequest(f"The {engine.label} engine does not produce word timestamps.")
    if options.vocabulary and not engine.vocabulary:
        others = [info.name for info in enabled_engines() if info.vocabulary]
        hint = f" Models that do: {', '.join(others)}." if others else ""
        raise InvalidJobRequest(
            f"Custom vocabulary is not supported by the {engine.label} engine.{hint}"
        )
    return engine, language
