"""Which providers serve a request, and calling them in turn.

``route_plan`` turns a client's ``model`` / ``prefer`` / ``fallbacks`` into an ordered
list of enabled providers that can all serve the request (GateFlow's semantics):

* a named model is tried first, then the ``fallbacks`` the client listed, in order;
* ``model=auto`` ranks every capable provider by ``prefer`` (``quality`` by default,
  ``speed``, or ``cost`` by price per minute), listed fallbacks moving to the front
  after the best one, so "the next best" is always the automatic fallback;
* other services' model ids (``whisper-1``, ``voxtral-mini-latest``, …) route like
  ``auto``, or to the engine the operator mapped them to (``HARK_MODEL_ALIASES``);
  ``resolve_model`` is the one place a model name is looked up.

``route_transcribe`` calls them for one piece of audio: transient failures (connection
errors, timeouts, 429, 5xx) move on to the next provider, after waiting out a short
``Retry-After`` once; permanent failures (400, 401, 413, unreadable audio) stop at once;
a provider whose circuit is open is skipped. Every call is reported to ``record``.
An asynchronous provider that can call us back (``Deferrable``, when the request's
callbacks can reach us) is only submitted to: routing raises ``Deferred``, and
``route_transcribe(..., resume=Collected(...))`` later finishes that attempt with what
the provider came back with and, after a transient failure, goes on down the route.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
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
from jobs.models import AttemptOutcome, JobTask
from jobs.options import PREFERENCES, TranscriptionOptions, engine_refusal, requested_language
from jobs.services.breaker import breaker_failure, breaker_open_until, breaker_success

logger = logging.getLogger(__name__)


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
    if options.prefer and options.prefer not in PREFERENCES:
        raise InvalidJobRequest(f"prefer must be one of {', '.join(PREFERENCES)}.")
    engine = resolve_model(model, enabled)
    if not isinstance(engine, EngineInfo):
        return _auto_route(enabled, options)
    language = _language_for(engine, options)
    refusal = engine_refusal(engine, language, options)
    if refusal:
        raise InvalidJobRequest(refusal)
    chain = [engine.name]
    for name in options.fallbacks:
        fallback = resolve_model(name, enabled, role="fallback model")
        if not isinstance(fallback, EngineInfo):
            # Another service's id as a fallback: the best engine not tried before it.
            ranked = _capable(enabled, language, options)
            chain += [info.name for info in ranked if info.name not in chain][:1]
            continue
        refusal = engine_refusal(fallback, _guess(fallback, language), options)
        if refusal:
            raise InvalidJobRequest(f"The fallback model '{name}' cannot serve this: {refusal}")
        if fallback.name not in chain:
            chain.append(fallback.name)
    return Route(engine=engine.name, providers=tuple(chain), language=language)


def _capable(
    enabled: list[EngineInfo], language: str, options: TranscriptionOptions
) -> list[EngineInfo]:
    """The enabled engines that can serve ``options``, best first by ``prefer``."""
    capable = [
        info for info in enabled if engine_refusal(info, _guess(info, language), options) is None
    ]
    return sorted(capable, key=_ranking(options.prefer or "quality", enabled))


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
    chain = [ranked[0].name]
    for name in options.fallbacks:
        info = resolve_model(name, enabled, role="fallback model")
        if not isinstance(info, EngineInfo):
            continue  # "the best engine for the request": the ranking below adds it
        if info not in ranked:
            raise InvalidJobRequest(
                f"The fallback model '{name}' is not available for this request. Models that "
                f"can serve it: {', '.join(i.name for i in ranked)}."
            )
        if info.name not in chain:
            chain.append(info.name)
    chain += [info.name for info in ranked if info.name not in chain]
    return Route(engine=AUTO, providers=tuple(chain), language=language)


def _guess(info: EngineInfo, language: str) -> str:
    """The language ``info`` is asked for: the requested one, or when none was given and
    it cannot detect one, its first (the local engine's English, as it always assumed)."""
    if language or info.detects_language:
        return language
    return info.languages[0]


def _ranking(prefer: str, enabled: list[EngineInfo]) -> Callable[[EngineInfo], tuple[object, ...]]:
    order = {info.name: index for index, info in enumerate(enabled)}

    def key(info: EngineInfo) -> tuple[object, ...]:
        # Ties keep the operator's order in HARK_ENGINES.
        if prefer == "speed":
            return (-info.speed_rank, -info.quality_rank, order[info.name])
        if prefer == "cost":
            return (price_per_minute(info.name), -info.quality_rank, order[info.name])
        return (-info.quality_rank, -info.speed_rank, order[info.name])

    return key


def _language_for(engine: EngineInfo, options: TranscriptionOptions) -> str:
    return _guess(engine, requested_language(options))


def route_price(route: Route, seconds: float, *, options: tuple[str, ...] = ()) -> Decimal:
    """What to hold: the price of the dearest provider the route may use."""
    return max(price_for_seconds(seconds, engine=name, options=options) for name in route.providers)


# --- Calling providers ------------------------------------------------------------------


@dataclass(frozen=True)
class AttemptRecord:
    provider: str
    outcome: str
    started_at: datetime
    duration_seconds: float
    audio_seconds: float = 0.0
    http_status: int | None = None
    message: str = ""


Recorder = Callable[[AttemptRecord], None]


class AllProvidersFailed(ProviderError):
    """Every provider of the route failed transiently (or was skipped)."""


def route_transcribe(
    route: Route,
    request: TranscriptionRequest,
    on_progress: ProgressCallback,
    *,
    record: Recorder,
    sleep: Callable[[float], None] = time.sleep,
    resume: Collected | None = None,
) -> TranscriptionResult:
    """Transcribe ``request`` with the first provider of ``route`` that succeeds.

    Raises the provider's ``ProviderError`` when a failure is permanent, and
    ``AllProvidersFailed`` (transient) when every provider failed or was skipped; its
    ``retry_after`` is the longest wait any of them asked for (or is closed for), so the
    job's next attempt is not made before it could help. Raises ``Deferred`` when a
    provider took the work and will call back; with ``resume``, the route starts by
    finishing that provider's attempt (its result is returned, a permanent failure raised,
    a transient one moves on to the provider after it).
    """
    failures: list[str] = []
    waits: list[float] = []
    start = 0
    if resume is not None:
        result = _finish_deferred(resume, record)
        if isinstance(result, TranscriptionResult):
            return result
        failures.append(f"{resume.deferred.provider}: {result.message}")
        start = resume.deferred.position + 1
    for position, name in enumerate(route.providers):
        if position < start:
            continue
        unavailable, closed_for = _unavailable(name)
        if unavailable:
            record(AttemptRecord(name, AttemptOutcome.SKIPPED, timezone.now(), 0.0,
                                 message=unavailable))  # fmt: skip
            failures.append(f"{name} is temporarily unavailable")
            waits += [closed_for] if closed_for else []
            continue
        asked = provider_request(route, request, name)
        for try_number in (1, 2):
            try:
                return _attempt(name, position, asked, on_progress, record)
            except ProviderError as exc:
                if exc.permanent:
                    raise
                waited = _short_wait(exc, try_number)
                if waited is None:
                    failures.append(f"{name}: {exc.message}")
                    waits += [exc.retry_after] if exc.retry_after else []
                    break
                logger.info("%s asked us to wait %.1f s; retrying once", name, waited)
                sleep(waited)
    raise AllProvidersFailed(
        "No speech service could transcribe this right now (" + "; ".join(failures) + ").",
        retry_after=max(waits, default=None),
    )


def provider_request(
    route: Route, request: TranscriptionRequest, name: str
) -> TranscriptionRequest:
    """``request`` as ``name`` is asked it: in the route's language, or its own guess."""
    return replace(request, language=_guess(engine_info(name), route.language))


def _unavailable(name: str) -> tuple[str, float | None]:
    """Why ``name`` is skipped now (its circuit is open, or it was switched off since the
    job was queued) and, for an open circuit, the seconds until it closes."""
    if name not in {info.name for info in enabled_engines()}:
        return "not enabled on this installation any more", None
    open_until = breaker_open_until(name)
    if open_until is None:
        return "", None
    closed_for = (open_until - timezone.now()).total_seconds()
    return f"circuit open until {open_until.isoformat()}", max(closed_for, 0.0)


def _short_wait(exc: ProviderError, try_number: int) -> float | None:
    if try_number > 1 or exc.retry_after is None:
        return None
    if exc.retry_after > settings.HARK_MAX_RETRY_AFTER_SECONDS:
        return None
    return exc.retry_after


def _attempt(
    name: str,
    position: int,
    request: TranscriptionRequest,
    on_progress: ProgressCallback,
    record: Recorder,
) -> TranscriptionResult:
    started_at = timezone.now()
    started = time.monotonic()
    engine = get_engine(name)
    try:
        if isinstance(engine, Deferrable) and _called_back(request, name):
            submission = engine.submit(request, on_progress)
            # Recorded once the upstream has answered (_finish_deferred), not now.
            raise Deferred(
                provider=name, position=position, submission=submission, started_at=started_at
            )
        result = engine.transcribe(request, on_progress)
    except ProviderError as exc:
        _failed(name, exc, started_at, time.monotonic() - started, record)
        raise
    _succeeded(name, result, started_at, time.monotonic() - started, record)
    return result


def _called_back(request: TranscriptionRequest, name: str) -> bool:
    """Whether ``name`` can reach us with a callback about this request."""
    return request.callbacks is not None and request.callbacks.url(name) is not None


def _failed(
    name: str, exc: ProviderError, started_at: datetime, seconds: float, record: Recorder
) -> None:
    outcome = AttemptOutcome.PERMANENT if exc.permanent else AttemptOutcome.TRANSIENT
    detail = f"{exc.message} {exc.detail}".strip()
    record(AttemptRecord(name, outcome, started_at, seconds, http_status=exc.status,
                         message=detail))  # fmt: skip
    # Refused credentials are our misconfiguration: every call would fail alike.
    if not exc.permanent or exc.status in {401, 403}:
        breaker_failure(name, message=detail, retry_after=exc.retry_after)


def _succeeded(
    name: str, result: TranscriptionResult, started_at: datetime, seconds: float, record: Recorder
) -> None:
    breaker_success(name)
    record(AttemptRecord(name, AttemptOutcome.SUCCEEDED, started_at, seconds,
                         audio_seconds=result.duration))  # fmt: skip


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
        _succeeded(deferred.provider, outcome, deferred.started_at, seconds, record)
        return outcome
    _failed(deferred.provider, outcome, deferred.started_at, seconds, record)
    if outcome.permanent:
        raise outcome
    return outcome
