"""The one small interface every speech engine or upstream provider implements.

A request dataclass goes in, a result dataclass comes out, and every failure is a
``ProviderError`` whose ``permanent`` flag tells the worker whether retrying can help
(the pattern healthchecks uses for its transports).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import ClassVar, Protocol, runtime_checkable


class ProviderError(Exception):
    """A failure to transcribe; ``message`` is shown to the customer as it is.

    ``status`` is the upstream's HTTP status when there was one, and ``retry_after`` the
    seconds it asked us to wait (429/503 with ``Retry-After``); routing uses both to decide
    between waiting, falling back and giving up, and records them on the job's attempts.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool = False,
        status: int | None = None,
        retry_after: float | None = None,
        detail: str = "",
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.status = status
        self.retry_after = retry_after
        # What the upstream said, for staff (attempt records, logs); never shown to customers.
        self.detail = detail


@dataclass(frozen=True)
class Word:
    text: str
    start: float
    end: float
    confidence: float
    # False when the times were spread over a stretch rather than found in the audio
    # (a word typed in by a person that no aligner could place).
    aligned: bool = True


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str
    confidence: float
    words: tuple[Word, ...] = ()
    speaker: str | None = None
    # The language spoken, where the engine tells it per segment.
    language: str | None = None
    # A stored transcript's stable segment id; engines leave it empty.
    key: str | None = None


@dataclass(frozen=True)
class Callbacks:
    """Where an asynchronous provider asks its upstream to call back: ``url(provider)``,
    None when this installation cannot be reached from outside (then it polls)."""

    url: Callable[[str], str | None]


@dataclass(frozen=True)
class TranscriptionRequest:
    path: Path
    language: str = "en"
    start: float = 0.0
    end: float | None = None
    diarization: bool = False
    word_timestamps: bool = True
    vocabulary: tuple[str, ...] = ()
    callbacks: Callbacks | None = None
    # "transcribe", or "translate": English text from speech in any language.
    task: str = "transcribe"
    # Earlier text or a style to follow (OpenAI's ``prompt``).
    prompt: str = ""
    # The most speakers diarization may tell apart; None: the engine's own limit.
    max_speakers: int | None = None

    @property
    def seconds(self) -> float | None:
        """The length of the requested span, when its end is known."""
        return None if self.end is None else max(self.end - self.start, 0.0)


@dataclass(frozen=True)
class TranscriptionResult:
    segments: list[Segment]
    language: str
    duration: float
    engine: str

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments if s.text)


def main_language(segments: Sequence[Segment], *, fallback: str) -> str:
    """The language spoken longest among segments that say theirs, else ``fallback``."""
    seconds: dict[str, float] = {}
    for segment in segments:
        if segment.language:
            spoken = max(segment.end - segment.start, 0.01)
            seconds[segment.language] = seconds.get(segment.language, 0.0) + spoken
    return max(seconds, key=lambda code: seconds[code]) if seconds else fallback


# Called with the fraction done (0.0-1.0); the worker uses it to report progress and
# to renew its lease, so an engine should call it at least every few seconds.
ProgressCallback = Callable[[float], None]


@dataclass(frozen=True)
class EngineInfo:
    """What an engine can serve; the API validates requests against it and routing
    chooses among engines by it."""

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
    # Whether it can work out the language itself (a request may leave it blank).
    detects_language: bool = False
    translation: bool = False
    # What one request may carry; None means no limit of its own.
    max_upload_bytes: int | None = None
    max_duration_seconds: float | None = None
    # Long audio is cut at silences into chunks of about this length, transcribed in
    # parallel tasks: short for engines on our own CPUs (a chunk is a unit of work a
    # worker can finish quickly), minutes for upstreams (each request has a fixed cost).
    chunk_seconds: float = 30.0
    # An upstream receives its audio re-encoded to low-bitrate mono, not our samples.
    upstream: bool = False


class Engine(Protocol):
    """An engine class: ``describe`` and ``unavailable_reason`` are asked of the class,
    because what a configurable provider offers depends on settings read at call time."""

    @classmethod
    def describe(cls) -> EngineInfo: ...

    @classmethod
    def unavailable_reason(cls) -> str | None:
        """Why the engine cannot serve right now (a missing model, library or setting),
        written for the operator; None when it can."""
        ...

    def transcribe(
        self, request: TranscriptionRequest, on_progress: ProgressCallback
    ) -> TranscriptionResult: ...


@dataclass(frozen=True)
class Submission:
    """Work an asynchronous provider has queued upstream and will call back about:
    ``reference`` is its name for it (AssemblyAI's transcript id), ``audio_seconds`` what
    was sent, and ``wait_seconds`` how long it may take before we stop waiting."""

    reference: str
    audio_seconds: float
    wait_seconds: float


class Deferred(Exception):
    """Raised by routing instead of returning a result: ``provider`` (the ``position``-th
    of the route) took the work, started at ``started_at``, and will call back. The worker
    parks the job (or chunk) and is free; the callback resumes it."""

    def __init__(self, *, provider: str, position: int, submission: Submission,
                 started_at: datetime) -> None:  # fmt: skip
        super().__init__(f"{provider} will call back about {submission.reference}")
        self.provider = provider
        self.position = position
        self.submission = submission
        self.started_at = started_at


@runtime_checkable
class Deferrable(Protocol):
    """An engine that can hand its work over and be called back, instead of waiting in
    ``transcribe``; routing uses it when the request's callbacks can reach us."""

    def submit(self, request: TranscriptionRequest, on_progress: ProgressCallback) -> Submission:
        """Send the audio and queue the work with a callback; ProviderError on failure."""
        ...

    def collect(
        self, reference: str, request: TranscriptionRequest, *, audio_seconds: float
    ) -> TranscriptionResult | None:
        """The result of submitted work; None while it is not finished (or could not be
        asked right now); ProviderError when the upstream says it failed."""
        ...

    def forget(self, reference: str) -> None:
        """Delete the work upstream once its result is ours (never raises)."""
        ...


class StaticEngine:
    """For engines whose abilities do not depend on settings: a fixed ``info``."""

    info: ClassVar[EngineInfo]

    @classmethod
    def describe(cls) -> EngineInfo:
        return cls.info

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return None
