"""What a client asks for, and whether an engine can serve it.

Nothing is silently ignored: an option the engine cannot honour is an error that names
what is supported, so customers learn at submission time, not from a poor transcript.
Which engines serve a request (``model=auto``, ``prefer``, ``fallbacks``) is decided in
``jobs.routing`` with the refusals written here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jobs.engines import enabled_engines
from jobs.engines.base import EngineInfo
from jobs.languages import language_name
from jobs.models import JobTask, JobType

PREFERENCES = ("quality", "speed", "cost")


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
    # The organization's words (``jobs.organization_data.defaults``), not repeating the
    # request's own: given to every provider of the route that takes a vocabulary, but
    # never a reason to refuse a request or to narrow what routing may pick.
    organization_vocabulary: tuple[str, ...] = field(default_factory=tuple)
    webhook_url: str = ""
    # Routing: GateFlow's ``prefer`` (for model=auto) and ``fallbacks``.
    prefer: str = ""
    fallbacks: tuple[str, ...] = field(default_factory=tuple)
    # GoTranscript's ``from`` and ``till``, in seconds of the media.
    trim_start: float = 0.0
    trim_end: float | None = None
    # "transcribe", or "translate" (English text from speech in any language).
    task: str = JobTask.TRANSCRIBE
    # Another language to translate the transcript into once it is done ("" = none).
    translate_to: str = ""
    prompt: str = ""
    max_speakers: int | None = None


def requested_language(options: TranscriptionOptions) -> str:
    """The language code asked for, or "" to have it detected."""
    language = (options.language or "").strip().lower()
    if language == "auto":
        return ""
    return language.split("-", 1)[0]


def engine_refusal(engine: EngineInfo, language: str, options: TranscriptionOptions) -> str | None:
    """Why ``engine`` cannot serve ``options`` in ``language`` ("" = detect), or None."""
    if options.task == JobTask.TRANSLATE and not engine.translation:
        # Refused rather than transcribed: text in the source language returned as if it
        # were the English translation would be a wrong answer that looks right.
        able = [info.name for info in enabled_engines() if info.translation]
        hint = (
            f"Engines that can: {', '.join(able)}."
            if able
            else "No enabled engine can; send task=transcribe."
        )
        return f"The {engine.label} engine cannot translate speech. {hint}"
    if language and language not in engine.languages:
        supported = ", ".join(f"{code} ({language_name(code)})" for code in engine.languages)
        return (
            f"The {engine.label} engine cannot transcribe '{language}'. It supports: {supported}."
        )
    if options.diarization and not engine.diarization:
        others = [info.name for info in enabled_engines() if info.diarization]
        hint = (
            f"Choose a model that supports it: {', '.join(others)}."
            if others
            else "No enabled engine supports it; send diarization=false."
        )
        return f"Speaker diarization is not available on the {engine.label} engine. {hint}"
    if options.word_timestamps and not engine.word_timestamps:
        return f"The {engine.label} engine does not produce word timestamps."
    if options.vocabulary and not engine.vocabulary:
        others = [info.name for info in enabled_engines() if info.vocabulary]
        hint = f" Models that do: {', '.join(others)}." if others else ""
        return f"Custom vocabulary is not supported by the {engine.label} engine.{hint}"
    return None
