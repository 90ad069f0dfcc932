"""What every upstream provider adapter shares: the audio it uploads, and turning words
and segments in the upstream's shape into ours on the original media's timeline."""

from __future__ import annotations

import math
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from django.conf import settings

from jobs.engines.base import ProviderError, Segment, TranscriptionRequest, Word
from jobs.languages import CODES_BY_NAME as _CODES_BY_NAME
from jobs.media.encode import encode_span
from jobs.media.probe import UnsupportedMedia

# The languages OpenAI documents for Whisper (word error rate under 50%).
WHISPER_LANGUAGES: tuple[str, ...] = (
    "en", "af", "ar", "az", "be", "bg", "bs", "ca", "cs", "cy", "da", "de", "el", "es",
    "et", "fa", "fi", "fr", "gl", "he", "hi", "hr", "hu", "hy", "id", "is", "it", "ja",
    "kk", "kn", "ko", "lt", "lv", "mi", "mk", "mr", "ms", "ne", "nl", "no", "pl", "pt",
    "ro", "ru", "sk", "sl", "sr", "sv", "sw", "ta", "th", "tl", "tr", "uk", "ur", "vi",
    "zh",
)  # fmt: skip
# A new segment starts after a pause this long when an upstream gives words only.
_SEGMENT_PAUSE_SECONDS = 1.0
_SEGMENT_MAX_WORDS = 40


@dataclass(frozen=True)
class UploadAudio:
    path: Path
    seconds: float
    content_type: str = "audio/mpeg"
    filename: str = "audio.mp3"

    @property
    def size(self) -> int:
        return self.path.stat().st_size


@contextmanager
def upload_audio(request: TranscriptionRequest, *, provider: str) -> Iterator[UploadAudio]:
    """The requested span as low-bitrate mono MP3 in a temporary file.

    Always re-encoded: the span may be a trimmed part of the file, the original may be
    a WAV too large for one request or a container the upstream does not take, and one
    format for every upstream means one behaviour to test.
    """
    with tempfile.TemporaryDirectory(dir=settings.FILE_UPLOAD_TEMP_DIR) as folder:
        dest = Path(folder) / "audio.mp3"
        try:
            seconds = encode_span(
                request.path,
                dest,
                start=request.start,
                end=request.end,
                kbps=settings.HARK_UPSTREAM_KBPS,
            )
        except UnsupportedMedia as exc:
            raise ProviderError(exc.message, permanent=True) from exc
        yield UploadAudio(dest, seconds)


def ensure_fits(audio: UploadAudio, *, provider: str, max_bytes: int | None) -> None:
    if max_bytes is not None and audio.size > max_bytes:
        # Chunking keeps requests far below the limit, so this is a planning mistake.
        raise ProviderError(
            f"This audio is {audio.size / 1e6:.1f} MB after compression, more than the "
            f"{provider} speech service takes in one request.",
            permanent=True,
            status=413,
        )


def language_code(value: object, *, fallback: str) -> str:
    """``"english"``, ``"en"`` or ``"en-US"`` → ``"en"``."""
    text = str(value or "").strip().lower()
    if not text:
        return fallback
    if text in _CODES_BY_NAME:
        return _CODES_BY_NAME[text]
    return text.replace("_", "-").split("-", 1)[0][:12] or fallback


def probability(value: object, *, log: bool = False) -> float:
    """A confidence in 0..1 from a probability or (``log=True``) a log-probability."""
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    if math.isnan(number):
        return 0.0
    if log:
        number = math.exp(min(number, 0.0))
    return round(min(max(number, 0.0), 1.0), 3)


def shift_word(word: Word, offset: float, *, limit: float | None) -> Word:
    start = max(word.start + offset, offset)
    end = max(word.end + offset, start)
    if limit is not None:
        start, end = min(start, limit), min(end, limit)
    return Word(word.text, round(start, 3), round(end, 3), word.confidence)


@dataclass(frozen=True)
class RawSegment:
    start: float
    end: float
    text: str
    confidence: float = 0.0
    speaker: str | None = None


def build_segments(
    *,
    words: Sequence[Word],
    segments: Sequence[RawSegment],
    speakers: Sequence[str | None] = (),
    offset: float,
    seconds: float,
) -> list[Segment]:
    """Our segments from an upstream's words and/or segments, moved onto the media's
    timeline by ``offset`` and kept inside the ``seconds`` that were sent.

    Words are given to the segment their middle falls in; an upstream that sends words
    only (or words with speakers) gets segments cut at pauses and speaker changes.
    """
    limit = offset + seconds
    who = list(speakers) or [None] * len(words)
    pairs = sorted(
        ((shift_word(w, offset, limit=limit), s) for w, s in zip(words, who, strict=False)),
        key=lambda pair: pair[0].start,
    )
    moved = [word for word, _ in pairs]
    if segments:
        result: list[Segment] = []
        remaining = list(moved)
        for raw in segments:
            start = min(max(raw.start + offset, offset), limit)
            end = min(max(raw.end + offset, start), limit)
            mine = [w for w in remaining if (w.start + w.end) / 2 <= end + 0.001]
            remaining = remaining[len(mine) :]
            text = raw.text.strip() or " ".join(w.text for w in mine)
            if not text:
                continue
            confidence = raw.confidence or _mean(w.confidence for w in mine)
            # Whisper-style answers give words no probability of their own.
            mine = [w if w.confidence else replace(w, confidence=confidence) for w in mine]
            result.append(
                Segment(round(start, 3), round(end, 3), text, confidence, tuple(mine), raw.speaker)
            )
        if remaining and result:  # words past the last segment's end belong to it
            last = result[-1]
            result[-1] = Segment(
                last.start, max(last.end, remaining[-1].end), last.text, last.confidence,
                last.words + tuple(remaining), last.speaker,
            )  # fmt: skip
        return result
    return _segments_from_words(moved, [speaker for _, speaker in pairs])


def _segments_from_words(words: list[Word], speakers: list[str | None]) -> list[Segment]:
    result: list[Segment] = []
    current: list[Word] = []
    speaker: str | None = None

    def close() -> None:
        if current:
            text = " ".join(w.text for w in current)
            confidence = _mean(w.confidence for w in current)
            result.append(
                Segment(
                    current[0].start, current[-1].end, text, confidence, tuple(current), speaker
                )
            )

    for word, who in zip(words, speakers, strict=False):
        if current and (
            who != speaker
            or word.start - current[-1].end >= _SEGMENT_PAUSE_SECONDS
            or len(current) >= _SEGMENT_MAX_WORDS
            or current[-1].text.endswith((".", "?", "!"))
        ):
            close()
            current = []
        if not current:
            speaker = who
        current.append(word)
    close()
    return result


def _mean(values: Iterator[float] | Sequence[float]) -> float:
    items = list(values)
    return round(sum(items) / len(items), 3) if items else 0.0


def speaker_label(value: object) -> str | None:
    """Deepgram's 0, AssemblyAI's "A", Voxtral's "speaker_1" → "SPEAKER_00", the style
    the local engine and AudioToTextAI use."""
    if value is None or value == "":
        return None
    text = str(value).strip()
    if text.isdigit():
        return f"SPEAKER_{int(text):02d}"
    if len(text) == 1 and text.isalpha():
        return f"SPEAKER_{ord(text.upper()) - ord('A'):02d}"
    return text[:60]
