"""Whisper on this server, through faster-whisper (CTranslate2): many languages, no
upstream, CPU or GPU.

An optional extra: ``pip install 'hark[whisper]'``. ``HARK_WHISPER_MODEL`` names a
model ("small", "large-v3", "Systran/faster-whisper-large-v3") fetched from the Hugging
Face Hub into ``HARK_WHISPER_DOWNLOAD_ROOT`` on first use, or is the path of a model
folder provisioned beforehand. On a machine without internet set
``HARK_WHISPER_DOWNLOAD=false``: the engine is then offered only once the model is
there, and says so (``disabled_engines``, ``manage.py check``) until it is.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
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
from jobs.engines.upstream import WHISPER_LANGUAGES, probability
from jobs.media.decode import SAMPLE_RATE, pcm_stream
from jobs.media.probe import UnsupportedMedia

NAME = "whisper"
# Checking for the model touches the file system; routing asks on every request.
_CHECK_SECONDS = 30.0
_checked: dict[tuple[str, str, bool], tuple[float, str | None]] = {}
# A model takes seconds and hundreds of megabytes to load: one per worker process.
_models: dict[tuple[str, str, str], Any] = {}
_models_lock = threading.Lock()


class WhisperEngine:
    @classmethod
    def describe(cls) -> EngineInfo:
        model = settings.HARK_WHISPER_MODEL or "small"
        return EngineInfo(
            name=NAME,
            label=f"Whisper {Path(model).name} (on this server)",
            languages=WHISPER_LANGUAGES,
            diarization=False,
            word_timestamps=True,
            vocabulary=True,
            quality_rank=3,
            speed_rank=1,
            detects_language=True,
            translation=True,
            notes=(
                "OpenAI's Whisper running on this server with faster-whisper: many "
                "languages and automatic language detection, private, slower on a CPU."
            ),
        )

    @classmethod
    def unavailable_reason(cls) -> str | None:
        key = (
            settings.HARK_WHISPER_MODEL,
            settings.HARK_WHISPER_DOWNLOAD_ROOT,
            settings.HARK_WHISPER_DOWNLOAD,
        )
        cached = _checked.get(key)
        if cached is not None and time.monotonic() - cached[0] < _CHECK_SECONDS:
            return cached[1]
        reason = _unavailable()
        _checked[key] = (time.monotonic(), reason)
        return reason

    def transcribe(
        self, request: TranscriptionRequest, on_progress: ProgressCallback
    ) -> TranscriptionResult:
        """Decode the span to 16 kHz samples and run Whisper over them.

        Raises ``ProviderError``: permanent for unreadable media, transient when the
        model cannot be loaded (another engine may serve) or fails.
        """
        try:
            samples = _samples(request)
        except UnsupportedMedia as exc:
            raise ProviderError(exc.message, permanent=True) from exc
        seconds = len(samples) / SAMPLE_RATE
        model = _model()
        try:
            pieces, info = model.transcribe(
                samples,
                language=request.language or None,
                word_timestamps=request.word_timestamps,
                initial_prompt=", ".join(request.vocabulary) or None,
                vad_filter=True,
                beam_size=5,
            )
            segments = []
            for piece in pieces:  # a generator: the work happens while iterating
                segments.append(_segment(piece, request.start))
                on_progress(min(float(piece.end) / max(seconds, 0.001), 1.0))
        except (RuntimeError, ValueError, MemoryError) as exc:
            raise ProviderError(f"The Whisper engine failed: {exc}") from exc
        on_progress(1.0)
        return TranscriptionResult(
            segments=[s for s in segments if s.text],
            language=str(info.language or request.language or "en"),
            duration=round(seconds, 3),
            engine=NAME,
        )


def _unavailable() -> str | None:
    name = settings.HARK_WHISPER_MODEL
    if not name:
        return "Set HARK_WHISPER_MODEL to a model name (e.g. small) or a model folder."
    try:
        import faster_whisper  # noqa: F401
    except ImportError:
        return "faster-whisper is not installed: pip install 'hark[whisper]'."
    if _model_location(name) is not None or settings.HARK_WHISPER_DOWNLOAD:
        return None
    return (
        f"The Whisper model '{name}' is not on this machine (looked in "
        f"{settings.HARK_WHISPER_DOWNLOAD_ROOT}) and downloading is off "
        "(HARK_WHISPER_DOWNLOAD=false). Provision it as the README's Providers section "
        "describes, or allow the download."
    )


def _model_location(name: str) -> str | None:
    """The folder of the model if it is on this machine, else None."""
    path = Path(name).expanduser()
    if path.is_absolute() or name.startswith("."):
        return str(path) if (path / "model.bin").is_file() else None
    from faster_whisper.utils import download_model

    try:
        found: str = download_model(
            name, local_files_only=True, cache_dir=settings.HARK_WHISPER_DOWNLOAD_ROOT
        )
    except Exception:  # huggingface_hub raises several kinds of "not here"
        return None
    return found if (Path(found) / "model.bin").is_file() else None


def _model() -> Any:
    name = settings.HARK_WHISPER_MODEL
    key = (name, settings.HARK_WHISPER_DEVICE, settings.HARK_WHISPER_COMPUTE_TYPE)
    with _models_lock:
        if key not in _models:
            try:
                from faster_whisper import WhisperModel

                _models[key] = WhisperModel(
                    _model_location(name) or name,
                    device=settings.HARK_WHISPER_DEVICE,
                    compute_type=settings.HARK_WHISPER_COMPUTE_TYPE,
                    download_root=settings.HARK_WHISPER_DOWNLOAD_ROOT,
                    local_files_only=not settings.HARK_WHISPER_DOWNLOAD,
                )
            except Exception as exc:  # any failure to load: another engine may serve
                raise ProviderError(
                    f"The Whisper model '{name}' could not be loaded.",
                    detail=f"{type(exc).__name__}: {exc}",
                ) from exc
        return _models[key]


def _samples(request: TranscriptionRequest) -> np.ndarray[Any, np.dtype[np.float32]]:
    pcm = b"".join(pcm_stream(request.path, start=request.start, end=request.end))
    return np.frombuffer(pcm, dtype="<i2").astype(np.float32) / 32768.0


def _segment(piece: Any, offset: float) -> Segment:
    words = tuple(
        Word(
            text=str(w.word).strip(),
            start=round(float(w.start) + offset, 3),
            end=round(float(w.end) + offset, 3),
            confidence=probability(w.probability),
        )
        for w in (piece.words or [])
        if str(w.word).strip()
    )
    return Segment(
        start=round(float(piece.start) + offset, 3),
        end=round(float(piece.end) + offset, 3),
        text=str(piece.text).strip(),
        confidence=probability(piece.avg_logprob, log=True),
        words=words,
    )
