"""Organization settings: its name, and the defaults its transcriptions start from.

A request that names no model gets the organization's default engine (else the
installation's, HARK_DEFAULT_ENGINE); one that names no language gets its default
language (``language=auto`` asks for detection outright). The organization's vocabulary
joins each job's own when its route has an engine that takes one (Whisper's hotwords,
Deepgram's keyterms, AssemblyAI's word boost), so a team's names are heard in every
upload, on Automatic too; an engine without vocabulary is called without it
(``jobs.routing.provider_request``) rather than refusing the job. Defaults are
applied in intake (``job_create``, quotes), so the upload form, the API, links and the
OpenAI-compatible endpoint all get them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from accounts.errors import InvalidOrganizationSettings
from accounts.models import Organization
from accounts.permissions import ActorLike, Capability, require
from jobs.engines import enabled_engines, engine_info, resolve_engine
from jobs.engines.base import EngineInfo
from jobs.languages import language_name
from jobs.options import TranscriptionOptions

MAX_VOCABULARY_WORDS = 100
MAX_WORD_LENGTH = 100


def vocabulary_parse(text: str) -> list[str]:
    """Words and phrases from text separated by commas or new lines, without repeats."""
    words: list[str] = []
    for item in text.replace("\n", ",").split(","):
        word = " ".join(item.split())
        if word and word.lower() not in {known.lower() for known in words}:
            words.append(word)
    return words


def _language_served(code: str, engine: EngineInfo | None) -> bool:
    engines = [engine] if engine is not None else enabled_engines()
    return any(code in info.languages for info in engines)


def organization_settings_update(
    *,
    organization: Organization,
    actor: ActorLike,
    name: str,
    default_language: str,
    default_engine: str,
    vocabulary: list[str],
) -> Organization:
    """Rename the organization and set its transcription defaults (owners and admins).

    The default engine must be enabled here (or ``auto``); the default language one it
    (or, for none or ``auto``, some enabled engine) can transcribe."""
    require(actor, organization, Capability.ORGANIZATION_SETTINGS)
    name = " ".join(name.split())
    if not name:
        raise InvalidOrganizationSettings("Give the organization a name.")
    if len(name) > 120:
        raise InvalidOrganizationSettings("Keep the organization's name to 120 characters.")
    engine: EngineInfo | None = None
    if default_engine and default_engine != "auto":
        engine = next((i for i in enabled_engines() if i.name == default_engine), None)
        if engine is None:
            names = ", ".join(info.name for info in enabled_engines())
            raise InvalidOrganizationSettings(
                f"'{default_engine}' is not an engine enabled here. Choose one of: {names}, "
                "or auto."
            )
    default_language = default_language.strip().lower()
    if default_language == "auto":
        default_language = ""
    if default_language and not _language_served(default_language, engine):
        where = f"The {engine.label} engine" if engine else "No engine enabled here"
        raise InvalidOrganizationSettings(
            f"{where} cannot transcribe {language_name(default_language)} "
            f"('{default_language}'). Choose another language or engine."
        )
    words = vocabulary_parse(",".join(vocabulary))
    if len(words) > MAX_VOCABULARY_WORDS:
        raise InvalidOrganizationSettings(
            f"The vocabulary holds at most {MAX_VOCABULARY_WORDS} words or phrases; "
            f"this has {len(words)}."
        )
    if any(len(word) > MAX_WORD_LENGTH for word in words):
        raise InvalidOrganizationSettings(
            f"Keep each vocabulary entry to {MAX_WORD_LENGTH} characters."
        )
    organization.name = name
    organization.default_language = default_language
    organization.default_engine = default_engine
    organization.vocabulary = words
    organization.save(update_fields=["name", "default_language", "default_engine", "vocabulary"])
    return organization


def options_with_organization_defaults(
    options: TranscriptionOptions, organization: Organization
) -> TranscriptionOptions:
    """``options`` with the organization's defaults where the request said nothing.

    Applying it twice changes nothing, so every intake path may call it."""
    model = options.model or organization.default_engine
    engine = resolve_engine(model) if model != "auto" else None
    if model == "" and engine is None:
        engine = resolve_engine(None)  # the installation's default
    language = options.language
    default_language = organization.default_language
    if not language and default_language and _language_served(default_language, engine):
        language = default_language
    seen = {word.lower() for word in options.vocabulary}
    # Kept apart from the request's own words: the organization's must never make a job
    # fail, nor narrow what automatic routing may pick (``engine_refusal`` reads only
    # ``vocabulary``); ``job_vocabulary`` adds them once the route is known.
    extra = tuple(word for word in organization.vocabulary if word.lower() not in seen)
    return replace(options, model=model, language=language, organization_vocabulary=extra)


def job_vocabulary(options: TranscriptionOptions, providers: Sequence[str]) -> list[str]:
    """The words a job keeps: its own, then the organization's when one of the
    ``providers`` its route may call takes a vocabulary (the others are called without)."""
    words = list(options.vocabulary)
    if options.organization_vocabulary and any(engine_info(name).vocabulary for name in providers):
        words += options.organization_vocabulary
    return words[:MAX_VOCABULARY_WORDS]
