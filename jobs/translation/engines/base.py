"""The one small interface every translation engine implements.

Text segments go in, one translated text per segment comes out in the same order, and
every failure is the speech engines' ``ProviderError``: its ``permanent`` flag tells the
caller whether another try (or another translator) can help.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from django.conf import settings

from jobs.engines.base import ProviderError
from jobs.engines.http import Service

__all__ = [
    "TEXT",
    "LanguagePair",
    "ProviderError",
    "TextSegment",
    "Translator",
    "TranslatorBase",
    "TranslatorInfo",
    "batches",
    "price_per_word",
]

# How HTTP failures read for a translation upstream ("The deepl translation service…").
TEXT = Service("translation service", "translate this text", "the text")

# (source, target), ISO 639-1 codes.
LanguagePair = tuple[str, str]


@dataclass(frozen=True)
class TextSegment:
    """A piece of text to translate: a transcript segment's ``id`` (unique within one
    call) and its ``text``."""

    id: str
    text: str


@dataclass(frozen=True)
class TranslatorInfo:
    name: str
    label: str
    # Credits per word of the source text (HARK_TRANSLATION_PRICES).
    price_per_word: Decimal
    # Rough ranks for routing and the UI, higher is better.
    quality_rank: int
    speed_rank: int
    notes: str = ""
    # Whether the text leaves this installation.
    upstream: bool = True


class Translator(Protocol):
    """A translator class: ``describe``, ``pairs`` and ``unavailable_reason`` are asked of
    the class, because what a configurable upstream offers depends on settings read at
    call time."""

    @classmethod
    def describe(cls) -> TranslatorInfo: ...

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why it cannot translate right now (a missing program or setting), written for
        the operator; None when it can."""
        ...

    @classmethod
    def available(cls) -> bool: ...

    @classmethod
    def pairs(cls) -> frozenset[LanguagePair]:
        """The (source, target) pairs it can translate now; empty when unavailable."""
        ...

    def translate(self, segments: Sequence[TextSegment], source: str, target: str) -> list[str]:
        """One translated text per segment, in order; ``ProviderError`` on failure."""
        ...


class TranslatorBase:
    """What every translator shares: ``available``, and the checks before translating."""

    @classmethod
    def describe(cls) -> TranslatorInfo:
        raise NotImplementedError

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return None

    @classmethod
    def available(cls) -> bool:
        return cls.unavailable_reason() is None

    @classmethod
    def pairs(cls) -> frozenset[LanguagePair]:
        raise NotImplementedError

    @classmethod
    def check(cls, segments: Sequence[TextSegment], source: str, target: str) -> None:
        """Raise a permanent ``ProviderError`` for a request this translator cannot take."""
        name = cls.describe().name
        reason = cls.unavailable_reason()
        if reason is not None:
            raise ProviderError(f"{name} is not set up: {reason}", permanent=True)
        if source != target and (source, target) not in cls.pairs():
            raise ProviderError(
                f"{name} cannot translate from {source or '?'} to {target or '?'}.",
                permanent=True,
            )
        ids = [segment.id for segment in segments]
        if len(set(ids)) != len(ids):
            # Answers are matched to segments by id, so they must tell segments apart.
            raise ValueError("Segment ids must be unique within one translation.")


def price_per_word(name: str) -> Decimal:
    prices: dict[str, Decimal] = settings.HARK_TRANSLATION_PRICES
    return prices.get(name, max(prices.values(), default=Decimal("0.01")))


def batches(
    segments: Sequence[TextSegment], *, max_segments: int, max_chars: int
) -> Iterator[list[TextSegment]]:
    """Consecutive runs of ``segments`` within both limits (a segment longer than
    ``max_chars`` goes alone)."""
    batch: list[TextSegment] = []
    chars = 0
    for segment in segments:
        if batch and (len(batch) >= max_segments or chars + len(segment.text) > max_chars):
            yield batch
            batch, chars = [], 0
        batch.append(segment)
        chars += len(segment.text)
    if batch:
        yield batch
