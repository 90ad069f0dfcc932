"""The embedded default engine: OpenAI's Whisper on faster-whisper (CTranslate2).

Multilingual, punctuated and cased text with word times and confidences, on the CPU of
the worker (or a GPU: ``HARK_WHISPER_DEVICE=cuda``), with no key and no network. Each
request's audio is decoded to 16 kHz, its languages found stretch by stretch
(``languages``), each stretch decoded with Silero VAD in front and the failure modes of
long audio guarded against (``guards``), and speakers labelled on request
(``speakers``). ``task="translate"`` gives English text (Whisper's speech translation).
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from django.conf import settings

from jobs.engines.base import (
    EngineInfo,
    ProgressCallback,
    ProviderError,
    Segment,
    TranscriptionRequest,
    TranscriptionResult,
    Word,
)
from jobs.engines.upstream import WHISPER_LANGUAGES
from jobs.engines.whisper import model as whisper_model
from jobs.engines.whisper.guards import Token, looks_invented, without_loops
from jobs.engines.whisper.languages import SAMPLE_RATE, Run, language_runs
from jobs.engines.whisper.speakers import token_speakers
from jobs.media.decode import pcm_stream
from jobs.media.probe import UnsupportedMedia

NAME = "whisper"
Samples = npt.NDArray[np.float32]
_SPLIT_PAUSE_SECONDS = 2.0
_JOIN_PAUSE_SECONDS = 1.5
_CLIP_PAD_SECONDS = 0.2


class WhisperEngine:
    @classmethod
    def describe(cls) -> EngineInfo:
        name = Path(whisper_model.model_name()).name
        return EngineInfo(
            name=NAME,
            label=f"Whisper {name} (multilingual, on this server)",
            languages=WHISPER_LANGUAGES,
            diarization=True,
            word_timestamps=True,
            vocabulary=True,
            quality_rank=3,
            speed_rank=2,
            detects_language=True,
            translation=True,
            chunk_seconds=float(settings.HARK_LOCAL_CHUNK_SECONDS),
            notes=(
                "OpenAI's Whisper running on this server with faster-whisper: punctuated "
                "text in about 60 languages, detected per stretch of speech so recordings "
                "that switch language keep every language; translation of speech into "
                "English; private, no key needed."
            ),
        )

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return whisper_model.unavailable_reason()

    def transcribe(
        self, request: TranscriptionRequest, on_progress: ProgressCallback
    ) -> TranscriptionResult:
        """Decode the span to 16 kHz samples and run Whisper over each language's runs.

        Raises ``ProviderError``: permanent for unreadable media, transient when the
        model cannot be loaded (another engine may serve) or fails.
        """
        try:
            samples = _samples(request)
        except UnsupportedMedia as exc:
            raise ProviderError(exc.message, permanent=True) from exc
        seconds = len(samples) / SAMPLE_RATE
        model = whisper_model.load_model()
        try:
            # Progress stays at 0 while languages are found; the call renews the lease.
            runs = language_runs(
                model, samples, language=request.language, on_window=lambda: on_progress(0.0)
            )
            decoded: list[tuple[list[Token], str]] = []
            for run in runs:
                decoded += _decode_run(model, samples, run, request, on_progress)
                _give_back_memory()
            segments = _labelled_segments(decoded, samples, request)
        except (RuntimeError, ValueError, MemoryError) as exc:
            raise ProviderError(f"The Whisper engine failed: {exc}") from exc
        on_progress(1.0)
        # What was spoken longest: for a translation the text is English, and the job
        # still says what it was translated from.
        language = _main_run_language(runs, fallback=request.language or "en")
        return TranscriptionResult(
            segments=segments, language=language, duration=round(seconds, 3), engine=NAME
        )


def _decode_run(
    model: Any,
    samples: Samples,
    run: Run,
    request: TranscriptionRequest,
    on_progress: ProgressCallback,
) -> list[tuple[list[Token], str]]:
    """The tokens of each segment Whisper decodes in ``run``, with their language, the
    guards applied."""
    offset = request.start + run.start / SAMPLE_RATE
    total = max(len(samples) / SAMPLE_RATE, 0.001)
    audio = samples[run.start : run.end]
    pieces, _ = model.transcribe(
        audio,
        language=run.language,
        task=request.task if request.task in ("transcribe", "translate") else "transcribe",
        beam_size=5,
        word_timestamps=True,
        clip_timestamps=_clips(run),
        # Conditioning on earlier text is what lets a loop feed itself over minutes; a
        # chunk is short enough that little context is lost without it.
        condition_on_previous_text=False,
        hallucination_silence_threshold=2.0,
        initial_prompt=request.prompt or None,
        hotwords=", ".join(request.vocabulary) or None,
    )
    text_language = "en" if request.task == "translate" else run.language
    decoded: list[tuple[list[Token], str]] = []
    for piece in pieces:  # a generator: the decoding happens while iterating
        tokens = _tokens(piece, offset)
        on_progress(min((run.start / SAMPLE_RATE + float(piece.end)) / total, 1.0))
        if looks_invented(tokens, no_speech_prob=float(piece.no_speech_prob)):
            continue
        tokens = without_loops(tokens)
        if _text(tokens):
            decoded.append((tokens, text_language))
    return decoded


def _clips(run: Run) -> list[float]:
    """The run's speech as faster-whisper's ``clip_timestamps`` (seconds from the run's
    start, flattened start/end pairs), spans closer than ``_JOIN_PAUSE_SECONDS`` joined.

    Whisper decodes only these clips, each on its own timeline, so silence and music
    between them are never heard (no text invented there). faster-whisper's own
    ``vad_filter`` instead splices the speech into one stream: Whisper then writes one
    sentence across a splice, and the words after it get times from before it (on a
    meeting excerpt, "take" placed 16 s early). A clip costs at least one encoder pass,
    which is why short pauses stay inside a clip.
    """
    join = int(_JOIN_PAUSE_SECONDS * SAMPLE_RATE)
    pad = int(_CLIP_PAD_SECONDS * SAMPLE_RATE)
    merged: list[list[int]] = []
    for start, end in run.speech or ((run.start, run.end),):
        if merged and start - merged[-1][1] <= join:
            merged[-1][1] = end
        else:
            merged.append([start, end])
    clips: list[float] = []
    for start, end in merged:
        start = max(start - pad, run.start)
        end = min(end + pad, run.end)
        clips += [(start - run.start) / SAMPLE_RATE, (end - run.start) / SAMPLE_RATE]
    return clips


def _labelled_segments(
    decoded: list[tuple[list[Token], str]], samples: Samples, request: TranscriptionRequest
) -> list[Segment]:
    """Segments from each decoded segment's tokens, split where the speaker changes.

    Speakers are told apart over the whole recording at once, never run by run, so one
    voice keeps one label from start to end.
    """
    labels: list[str] = []
    if request.diarization:
        flat = [token for tokens, _ in decoded for token in tokens]
        labels = token_speakers(
            flat, samples, offset=request.start, max_speakers=request.max_speakers
        )
    segments: list[Segment] = []
    position = 0
    for tokens, language in decoded:
        mine = labels[position : position + len(tokens)] if labels else [""] * len(tokens)
        position += len(tokens)
        segments += _segments(tokens, mine, language=language)
    return segments


def _tokens(piece: Any, offset: float) -> list[Token]:
    if piece.words:
        return [
            Token(str(w.word), float(w.start) + offset, float(w.end) + offset,
                  float(w.probability))
            for w in piece.words
            if str(w.word).strip()
        ]  # fmt: skip
    # No word times (should not happen with word_timestamps on): one token per segment.
    confidence = float(np.exp(min(float(piece.avg_logprob), 0.0)))
    return [Token(str(piece.text), float(piece.start) + offset, float(piece.end) + offset,
                  confidence)]  # fmt: skip


def _segments(tokens: list[Token], labels: list[str], *, language: str) -> list[Segment]:
    """One segment per stretch of one speaker's tokens (one, without diarization), split
    again at long pauses.

    faster-whisper's VAD joins the speech it keeps into one stream, and Whisper may write
    one sentence across a join: on a meeting excerpt one segment ran from 9.5 s to 27.5 s
    around 16 s of silence. A caption or an editor line that long is wrong, so a pause
    of more than ``_SPLIT_PAUSE_SECONDS`` between two words starts a new segment.
    """
    groups: list[tuple[str, list[Token]]] = []
    for token, label in zip(tokens, labels, strict=True):
        if (
            groups
            and groups[-1][0] == label
            and token.start - groups[-1][1][-1].end <= _SPLIT_PAUSE_SECONDS
        ):
            groups[-1][1].append(token)
        else:
            groups.append((label, [token]))
    result = []
    for label, group in groups:
        text = _text(group)
        if not text:
            continue
        words = tuple(
            Word(t.raw.strip(), round(t.start, 3), round(max(t.end, t.start), 3),
                 round(min(max(t.probability, 0.0), 1.0), 3))
            for t in group
        )  # fmt: skip
        result.append(
            Segment(
                start=words[0].start,
                end=words[-1].end,
                text=text,
                confidence=round(sum(w.confidence for w in words) / len(words), 3),
                words=words,
                speaker=label or None,
                language=language,
            )
        )
    return result


def _text(tokens: Iterable[Token]) -> str:
    return "".join(t.raw for t in tokens).strip()


def _main_run_language(runs: list[Run], *, fallback: str) -> str:
    """The language spoken longest: what a translation was translated from."""
    seconds: dict[str, int] = {}
    for run in runs:
        seconds[run.language] = seconds.get(run.language, 0) + run.end - run.start
    return max(seconds, key=lambda code: seconds[code]) if seconds else fallback


def _give_back_memory() -> None:
    """Return freed heap to the system after each run.

    Decoding allocates and frees many buffers of varying sizes; glibc keeps the freed
    ones in its arenas, and a worker's resident memory grew by about 8 MB per minute of
    audio (504 MB after six minutes of a 20-minute file, 711 MB at the end) although
    nothing was kept. With a trim after each run it stayed at about 400 MB (measured).
    """
    if _LIBC is not None:
        _LIBC.malloc_trim(0)


def _load_libc() -> Any:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 (musl and other platforms have none)
    except (OSError, AttributeError):
        return None
    return libc


_LIBC = _load_libc()


def _samples(request: TranscriptionRequest) -> Samples:
    pcm = b"".join(pcm_stream(request.path, start=request.start, end=request.end))
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / np.float32(32768.0)
