"""Routing speech: which engines transcribe a request, and calling them in turn.

``route_plan`` turns a client's ``model`` / ``prefer`` / ``fallbacks`` into an ordered
list of enabled providers that can all serve the request (``route_order``'s semantics):
other services' model ids (``whisper-1``, ``voxtral-mini-latest``, …) route like
``auto``, or to the engine the operator mapped them to (``HARK_MODEL_ALIASES``);
``resolve_model`` is the one place a model name is looked up. ``cost`` ranks by price
per minute.

``route_transcribe`` calls them for one piece of audio through ``route_call``. An
asynchronous provider that can call us back (``Deferrable``, when the request's
callbacks can reach us) is only submitted to: routing raises ``Deferred``, and
``route_transcribe(..., resume=Collected(...))`` later finishes that attempt with what
the provider came back with and, after a transient failure, goes on down the route.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from billing.pricing import price_for_seconds, price_per_minute
from jobs.engines import enabled_engines, engine_info, get_engine
from jobs.engines.base import (
    Deferrable,
    Deferred,
    EngineInfo,
    ProgressCallback,
    ProviderError,
    TranscriptionRequest,
    TranscriptionResult,
)
from jobs.errors import InvalidJobRequest
from jobs.model_names import AUTO, resolve_model
from jobs.models import JobTask
from jobs.options import TranscriptionOptions, engine_refusal, requested_language
from jobs.routing.calling import (
    Recorder,
    WorkKind,
    attempt_failed,
    attempt_succeeded,
    route_call,
)
from jobs.routing.choosing import candidates_ranked, prefer_check, route_order


@dataclass(frozen=True)
class Route:
    # What the job records as its model: a provider's name, or "auto".
    engine: str
    # Providers in the order they are tried.
    providers: tuple[str, ...]
    # The language to ask for; "" lets the providers detect it.
    language: str

    @property
    def primary(self) -> str:
        return self.providers[0]


def route_plan(options: TranscriptionOptions) -> Route:
    """The providers that will serve ``options``; InvalidJobRequest says why none can."""
    enabled = enabled_engines()
    model = (options.model or settings.HARK_DEFAULT_ENGINE or AUTO).strip()
    prefer_check(options.prefer)
    engine = resolve_model(model, enabled)
    if not isinstance(engine, EngineInfo):
        return _auto_route(enabled, options)
    language = _language_for(engine, options)
    refusal = engine_refusal(engine, language, options)
    if refusal:
        raise InvalidJobRequest(refusal)
    fallbacks: list[str] = []
    for name in options.fallbacks:
        fallback = resolve_model(name, enabled, role="fallback model")
        if not isinstance(fallback, EngineInfo):
            # Another service's id as a fallback: the best engine not tried before it.
            fallbacks.append(AUTO)
            continue
        refusal = engine_refusal(fallback, _guess(fallback, language), options)
        if refusal:
            raise InvalidJobRequest(f"The fallback model '{name}' cannot serve this: {refusal}")
        fallbacks.append(fallback.name)
    ranked = [info.name for info in _capable(enabled, language, options)]
    chain = route_order(ranked, named=engine.name, fallbacks=fallbacks)
    return Route(engine=engine.name, providers=chain, language=language)


def _capable(
    enabled: list[EngineInfo], language: str, options: TranscriptionOptions
) -> list[EngineInfo]:
    """The enabled engines that can serve ``options``, best first by ``prefer``."""
    capable = [
        info for info in enabled if engine_refusal(info, _guess(info, language), options) is None
    ]
    return candidates_ranked(
        capable, options.prefer, price=lambda info: price_per_minute(info.name)
    )


def _auto_route(enabled: list[EngineInfo], options: TranscriptionOptions) -> Route:
    language = requested_language(options)
    ranked = _capable(enabled, language, options)
    if not ranked:
        wanted = [
            "speech translation into English" if options.task == JobTask.TRANSLATE else "",
            f"'{language}'" if language else "",
            "speaker diarization" if options.diarization else "",
            "word timestamps" if options.word_timestamps else "",
            "custom vocabulary" if options.vocabulary else "",
        ]
        names = ", ".join(info.name for info in enabled) or "none"
        raise InvalidJobRequest(
            "No enabled model can transcribe this request ("
            + ", ".join(w for w in wanted if w)
            + f"). Available models: {names}."
        )
    fallbacks: list[str] = []
    for name in options.fallbacks:
        info = resolve_model(name, enabled, role="fallback model")
        if not isinstance(info, EngineInfo):
            continue  # "the best engine for the request": the ranking adds it
        if info not in ranked:
            raise InvalidJobRequest(
                f"The fallback model '{name}' is not available for this request. Models that "
                f"can serve it: {', '.join(i.name for i in ranked)}."
            )
        fallbacks.append(info.name)
    chain = route_order([info.name for info in ranked], named=None, fallbacks=fallbacks)
    return Route(engine=AUTO, providers=chain, language=language)


def _guess(info: EngineInfo, language: str) -> str:
    """The language ``info`` is asked for: the requested one, or when none was given and
    it cannot detect one, its first (the local engine's English, as it always assumed)."""
    if language or info.detects_language:
        return language
    return info.languages[0]


def _language_for(engine: EngineInfo, options: TranscriptionOptions) -> str:
    return _guess(engine, requested_language(options))


def route_price(route: Route, seconds: float, *, options: tuple[str, ...] = ()) -> Decimal:
    """What to hold: the price of the dearest provider the route may use."""
    return max(price_for_seconds(seconds, engine=name, options=options) for name in route.providers)


# --- Calling providers ------------------------------------------------------------------


SPEECH = WorkKind(
    enabled=lambda: {info.name for info in enabled_engines()},
    nobody="No speech service could transcribe this right now",
)


def route_transcribe(
    route: Route,
    request: TranscriptionRequest,
    on_progress: ProgressCallback,
    *,
    record: Recorder,
    sleep: Callable[[float], None] = time.sleep,
    resume: Collected | None = None,
) -> TranscriptionResult:
    """Transcribe ``request`` with the first provider of ``route`` that succeeds
    (``route_call``: its failures, its skipping, its ``AllProvidersFailed``).

    Raises ``Deferred`` when a provider took the work and will call back; with
    ``resume``, the route starts by finishing that provider's attempt (its result is
    returned, a permanent failure raised, a transient one moves on to the provider
    after it).
    """
    failures: list[str] = []
    start = 0
    if resume is not None:
        result = _finish_deferred(resume, record)
        if isinstance(result, TranscriptionResult):
            return result
        failures.append(f"{resume.deferred.provider}: {result.message}")
        start = resume.deferred.position + 1

    def call(name: str, position: int) -> TranscriptionResult:
        return _transcribe(name, position, provider_request(route, request, name), on_progress)

    return route_call(
        SPEECH,
        route.providers,
        call,
        record=record,
        served=lambda result: result.duration,
        sleep=sleep,
        start=start,
        failures=failures,
    )


def provider_request(
    route: Route, request: TranscriptionRequest, name: str
) -> TranscriptionRequest:
    """``request`` as ``name`` is asked it: in the route's language, or its own guess;
    without a vocabulary when it takes none (the route was planned without the
    organization's words, so only they are ever left out here)."""
    info = engine_info(name)
    vocabulary = request.vocabulary if info.vocabulary else ()
    return replace(request, language=_guess(info, route.language), vocabulary=vocabulary)


def _transcribe(
    name: str, position: int, request: TranscriptionRequest, on_progress: ProgressCallback
) -> TranscriptionResult:
    engine = get_engine(name)
    if isinstance(engine, Deferrable) and _called_back(request, name):
        started_at = timezone.now()
        submission = engine.submit(request, on_progress)
        # Recorded once the upstream has answered (_finish_deferred), not now.
        raise Deferred(
            provider=name, position=position, submission=submission, started_at=started_at
        )
    return engine.transcribe(request, on_progress)


def _called_back(request: TranscriptionRequest, name: str) -> bool:
    """Whether ``name`` can reach us with a callback about this request."""
    return request.callbacks is not None and request.callbacks.url(name) is not None


@dataclass(frozen=True)
class Collected:
    """What a provider that was ``Deferred`` came back with: its result, or its failure."""

    deferred: Deferred
    outcome: TranscriptionResult | ProviderError


def _finish_deferred(collected: Collected, record: Recorder) -> TranscriptionResult | ProviderError:
    """Record the deferred attempt; raise its failure when permanent."""
    deferred, outcome = collected.deferred, collected.outcome
    seconds = (timezone.now() - deferred.started_at).total_seconds()
    if isinstance(outcome, TranscriptionResult):
        attempt_succeeded(SPEECH, deferred.provider, outcome.duration, deferred.started_at,
                          seconds, record)  # fmt: skip
        return outcome
    attempt_failed(SPEECH, deferred.provider, outcome, deferred.started_at, seconds, record)
    if outcome.permanent:
        raise outcome
    return outcome
