"""The one small interface every speech engine or upstream provider implements.

A request dataclass goes in, a result dataclass comes out, and every failure is a
``ProviderError`` whose ``permanent`` flag tells the worker whether retrying can help
(the pattern healthchecks uses for its transports).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar, Protocol


class ProviderError(Exception):
    """A failure to transcribe; ``message`` is shown to the customer as it is."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    confidence: float


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    confidence: float
    words: tuple[Word, ...] = ()
    speaker: str | None = None


@dataclass(frozen=True)
class TranscriptionRequest:
    path: Path
    language: str = "en"
    start: float = 0.0
    end: float | None = None
    diarization: bool = False
    word_timestamps: bool = True
    vocabulary: tuple[str, ...] = ()


@dataclass(frozen=True)
class TranscriptionResult:
    segments: list[Segment]
    language: str
    duration: float
    engine: str

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)


# Called with the fraction done (0.0-1.0); the worker uses it to report progress and
# to renew its lease, so an engine should call it at least every few seconds.
ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class EngineInfo:
    """What an engine can serve; the API validates requests against it."""

    name: str
    label: str
    languages: tuple[str, ...]
    diarization: bool = False
    word_timestamps: bool = True
    vocabulary: bool = False
    # A rough rank for routing and for the UI, higher is better.
    quality_rank: int = 1
    speed_rank: int = 1
    notes: str = ""
    aliases: tuple[str, ...] = field(default_factory=tuple)


class Engine(Protocol):
    info: ClassVar[EngineInfo]

    def transcribe(
        self, request: TranscriptionRequest, on_progress: ProgressCallback
    ) -> TranscriptionResult: ...
