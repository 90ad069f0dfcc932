"""Calling the providers of a route in turn, for work of either kind.

Transient failures (connection errors, timeouts, 429, 5xx, an answer that does not fit)
move on to the next provider, after waiting out a short ``Retry-After`` once; permanent
ones (400, 401, 413, unreadable input) stop at once; a provider whose circuit is open, or
that was switched off since the work was queued, is skipped. Every call is reported to
``record`` and counted by the circuit breaker (``jobs.services.breaker``), which every
worker shares through the database.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import TypeVar

from django.conf import settings
from django.utils import timezone

from jobs.engines.base import ProviderError
from jobs.models import AttemptOutcome
from jobs.services.breaker import breaker_failure, breaker_open_until, breaker_success

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class WorkKind:
    """What a route's providers do: which are enabled now, how the breaker keys them,
    and how "none of them could" reads for the customer."""

    # The names of the providers enabled now.
    enabled: Callable[[], Collection[str]]
    # "No speech service could transcribe this right now"
    nobody: str
    # Prefixed to a provider's name in the breaker: a translator may share its name
    # with a speech engine ("openai") while failing independently of it.
    breaker_prefix: str = ""

    def breaker_key(self, name: str) -> str:
        return self.breaker_prefix + name


@dataclass(frozen=True)
class AttemptRecord:
    provider: str
    outcome: str
    started_at: datetime
    duration_seconds: float
    # Seconds of audio a speech provider served (what it is billed by).
    audio_seconds: float = 0.0
    http_status: int | None = None
    message: str = ""


Recorder = Callable[[AttemptRecord], None]


class AllProvidersFailed(ProviderError):
    """Every provider of the route failed transiently (or was skipped)."""


def route_call(
    kind: WorkKind,
    providers: Sequence[str],
    call: Callable[[str, int], T],
    *,
    record: Recorder,
    served: Callable[[T], float] = lambda _: 0.0,
    sleep: Callable[[float], None] = time.sleep,
    start: int = 0,
    failures: Sequence[str] = (),
) -> T:
    """``call(name, position)`` for each provider from ``start`` until one succeeds.

    Raises the provider's ``ProviderError`` when a failure is permanent, and
    ``AllProvidersFailed`` (transient) when every provider failed or was skipped; its
    ``retry_after`` is the longest wait any of them asked for (or is closed for), so the
    next try of the work is not made before it could help. ``served`` tells the record
    how much a success served; ``failures`` are earlier ones, for the message.
    Exceptions other than ``ProviderError`` (``Deferred``) pass through unrecorded.
    """
    failed = list(failures)
    waits: list[float] = []
    for position, name in enumerate(providers):
        if position < start:
            continue
        unavailable, closed_for = _unavailable(kind, name)
        if unavailable:
            record(AttemptRecord(name, AttemptOutcome.SKIPPED, timezone.now(), 0.0,
                                 message=unavailable))  # fmt: skip
            failed.append(f"{name} is temporarily unavailable")
            waits += [closed_for] if closed_for else []
            continue
        for try_number in (1, 2):
            try:
                return attempt_measured(
                    kind, name, partial(call, name, position), record=record, served=served
                )
            except ProviderError as exc:
                if exc.permanent:
                    raise
                waited = _short_wait(exc, try_number)
                if waited is None:
                    # Each sentence inside the brackets loses its full stop.
                    failed.append(f"{name}: {exc.message.rstrip('.')}")
                    waits += [exc.retry_after] if exc.retry_after else []
                    break
                logger.info("%s asked us to wait %.1f s; retrying once", name, waited)
                sleep(waited)
    raise AllProvidersFailed(
        f"{kind.nobody} (" + "; ".join(failed) + ").",
        retry_after=max(waits, default=None),
    )


def attempt_measured(
    kind: WorkKind,
    name: str,
    call: Callable[[], T],
    *,
    record: Recorder,
    served: Callable[[T], float] = lambda _: 0.0,
) -> T:
    """``call()``, timed, recorded and counted by the breaker."""
    started_at = timezone.now()
    started = time.monotonic()
    try:
        result = call()
    except ProviderError as exc:
        attempt_failed(kind, name, exc, started_at, time.monotonic() - started, record)
        raise
    attempt_succeeded(kind, name, served(result), started_at, time.monotonic() - started, record)
    return result


def _unavailable(kind: WorkKind, name: str) -> tuple[str, float | None]:
    """Why ``name`` is skipped now (its circuit is open, or it was switched off since the
    work was queued) and, for an open circuit, the seconds until it closes."""
    if name not in kind.enabled():
        return "not enabled on this installation any more", None
    open_until = breaker_open_until(kind.breaker_key(name))
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


def attempt_failed(
    kind: WorkKind,
    name: str,
    exc: ProviderError,
    started_at: datetime,
    seconds: float,
    record: Recorder,
) -> None:
    outcome = AttemptOutcome.PERMANENT if exc.permanent else AttemptOutcome.TRANSIENT
    detail = f"{exc.message} {exc.detail}".strip()
    record(AttemptRecord(name, outcome, started_at, seconds, http_status=exc.status,
                         message=detail))  # fmt: skip
    # Refused credentials are our misconfiguration: every call would fail alike.
    if not exc.permanent or exc.status in {401, 403}:
        breaker_failure(kind.breaker_key(name), message=detail, retry_after=exc.retry_after)


def attempt_succeeded(
    kind: WorkKind,
    name: str,
    served: float,
    started_at: datetime,
    seconds: float,
    record: Recorder,
) -> None:
    breaker_success(kind.breaker_key(name))
    record(AttemptRecord(name, AttemptOutcome.SUCCEEDED, started_at, seconds,
                         audio_seconds=served))  # fmt: skip
