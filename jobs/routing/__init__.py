"""Which providers serve a piece of work, and calling them in turn: one router for both
kinds of work, speech (engines, ``jobs.engines``) and text (translators,
``jobs.translation``).

* ``choosing``: ``candidates_ranked`` by ``prefer`` (``quality`` by default, ``speed``,
  or ``cost`` by each kind's price), and ``route_order`` (GateFlow's semantics: a named
  provider first, then the listed ``fallbacks``; ``auto``: the best, the listed
  fallbacks, then every other capable provider by rank, so "the next best" is always
  the automatic fallback).
* ``calling``: ``route_call`` tries them in turn: transient failures (connection errors,
  timeouts, 429, 5xx, an answer that does not fit) move on, after waiting out a short
  ``Retry-After`` once; permanent ones (400, 401, 413, unreadable input) stop at once;
  a provider whose circuit is open is skipped. Every call is recorded and counted by
  the circuit breaker, shared by every worker and by both kinds of work (a
  ``WorkKind`` keys its providers apart).
* ``speech``: transcription's plan (model ids, engine capabilities, languages) and its
  calls (asynchronous providers that call back). Translation's plan is
  ``jobs.translation.services.translators.translation_route``.
"""

from __future__ import annotations

from jobs.routing.calling import (
    AllProvidersFailed,
    AttemptRecord,
    Recorder,
    WorkKind,
    route_call,
)
from jobs.routing.choosing import Candidate, candidates_ranked, prefer_check, route_order
from jobs.routing.speech import (
    SPEECH,
    Collected,
    Route,
    provider_request,
    route_plan,
    route_price,
    route_transcribe,
)

__all__ = [
    "SPEECH",
    "AllProvidersFailed",
    "AttemptRecord",
    "Candidate",
    "Collected",
    "Recorder",
    "Route",
    "WorkKind",
    "candidates_ranked",
    "prefer_check",
    "provider_request",
    "route_call",
    "route_order",
    "route_plan",
    "route_price",
    "route_transcribe",
]
