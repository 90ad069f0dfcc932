"""Choosing providers, for work of either kind: a ranking by ``prefer`` and the order in
which a route tries its providers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Protocol, TypeVar

from jobs.errors import InvalidJobRequest
from jobs.model_names import AUTO
from jobs.options import PREFERENCES


class Candidate(Protocol):
    """What routing needs to know of a provider of either kind (``EngineInfo``,
    ``TranslatorInfo``): its name and rough ranks, higher is better."""

    @property
    def name(self) -> str: ...

    @property
    def quality_rank(self) -> int: ...

    @property
    def speed_rank(self) -> int: ...


C = TypeVar("C", bound=Candidate)


def prefer_check(prefer: str) -> None:
    if prefer and prefer not in PREFERENCES:
        raise InvalidJobRequest(f"prefer must be one of {', '.join(PREFERENCES)}.")


def candidates_ranked(
    candidates: Sequence[C], prefer: str, *, price: Callable[[C], Decimal]
) -> list[C]:
    """``candidates`` best first by ``prefer`` (``quality`` when empty): ``speed``,
    ``quality``, or ``cost`` by ``price``, the other ranks breaking ties, then the order
    given (the operator's)."""

    def key(info: C) -> tuple[object, ...]:
        if prefer == "speed":
            return (-info.speed_rank, -info.quality_rank)
        if prefer == "cost":
            return (price(info), -info.quality_rank)
        return (-info.quality_rank, -info.speed_rank)

    # sorted() is stable, so ties keep the order given.
    return sorted(candidates, key=key)


def route_order(
    best_first: Sequence[str], *, named: str | None, fallbacks: Sequence[str]
) -> tuple[str, ...]:
    """The providers to try, in order (GateFlow's semantics).

    A ``named`` provider is tried first, then the ``fallbacks`` listed, in order;
    without one (``auto``) the best is tried first, then the listed fallbacks, then
    every other capable provider by rank, so "the next best" is always the automatic
    fallback. ``AUTO`` among the fallbacks means the best provider not tried before it.
    Every name is assumed able to serve (the caller checked, with its own words).
    """
    chain = [named] if named else list(best_first[:1])
    for name in fallbacks:
        if name == AUTO:
            if named:
                chain += [other for other in best_first if other not in chain][:1]
            continue  # in an automatic route the ranking below adds it
        if name not in chain:
            chain.append(name)
    if not named:
        chain += [name for name in best_first if name not in chain]
    return tuple(chain)
