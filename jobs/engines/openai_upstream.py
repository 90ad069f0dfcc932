"""Any OpenAI-compatible ``POST /v1/audio/transcriptions``: OpenAI, Groq, Mistral's
Voxtral, GateFlow, a self-hosted speaches, or another Hark.

Configured by ``HARK_OPENAI_BASE_URL`` (ending in ``/v1``), ``HARK_OPENAI_API_KEY`` and
``HARK_OPENAI_MODEL``. We ask for ``verbose_json`` with word and segment timestamps; an
upstream that answers with plain ``{"text": …}`` still works, as one untimed segment.
Vocabulary goes in Whisper's ``prompt`` (or Voxtral's ``context_bias``), speakers in
Voxtral's ``diarize`` where ``HARK_OPENAI_EXTENSIONS`` says the upstream has them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from django.conf import settings

from jobs.engines.base import (
    EngineInfo,
    ProgressCallback,
    ProviderError,
    TranscriptionRequest,
    TranscriptionResult,
    Word,
)
from jobs.engines.http import send, upstream_client
from jobs.engines.upstream import (
    WHISPER_LANGUAGES,
    RawSegment,
    build_segments,
    ensure_fits,
    language_code,
    probability,
    speaker_label,
    upload_audio,
)

NAME = "openai"
_MB = 1024 * 1024


class OpenAIProvider:
    @classmethod
    def describe(cls) -> EngineInfo:
        extensions = set(settings.HARK_OPENAI_EXTENSIONS)
        model = settings.HARK_OPENAI_MODEL or "whisper-1"
        return EngineInfo(
            name=NAME,
            label=settings.HARK_OPENAI_LABEL or f"{model} (OpenAI-compatible)",
            languages=tuple(settings.HARK_OPENAI_LANGUAGES) or WHISPER_LANGUAGES,
            diarization="diarize" in extensions,
            word_timestamps=True,
            vocabulary=True,
            quality_rank=4,
            speed_rank=4,
            detects_language=True,
            translation=True,
            max_upload_bytes=settings.HARK_OPENAI_MAX_UPLOAD_MB * _MB,
            chunk_seconds=float(settings.HARK_UPSTREAM_CHUNK_SECONDS),
            upstream=True,
            notes=(
                f"Sent to {model} at an OpenAI-compatible speech service: many languages, "
                "automatic language detection, high accuracy."
            ),
        )

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if not (settings.HARK_OPENAI_BASE_URL and settings.HARK_OPENAI_MODEL):
            return "Set HARK_OPENAI_BASE_URL, HARK_OPENAI_API_KEY and HARK_OPENAI_MODEL."
        return None

    def transcribe(
        self, request: TranscriptionRequest, on_progress: ProgressCallback
    ) -> TranscriptionResult:
        """Upload the span as MP3 and read back segments and words.

        Raises ``ProviderError`` as ``jobs.engines.http.send`` classifies the failure.
        """
        info = self.describe()
        # OpenAI's speech translation (into English) is an endpoint of its own.
        endpoint = "translations" if request.task == "translate" else "transcriptions"
        url = settings.HARK_OPENAI_BASE_URL.rstrip("/") + f"/audio/{endpoint}"
        with upload_audio(request, provider=NAME) as audio:
            ensure_fits(audio, provider=NAME, max_bytes=info.max_upload_bytes)
            on_progress(0.1)
            fields = _form_fields(request)
            with audio.path.open("rb") as handle, upstream_client() as client:
                http_request = client.build_request(
                    "POST",
                    url,
                    headers={"Authorization": f"Bearer {settings.HARK_OPENAI_API_KEY}"},
                    data=fields,
                    files={"file": (audio.filename, handle, audio.content_type)},
                )
                answer = send(client, http_request, provider=NAME)
            data = answer.json(provider=NAME)
            seconds = audio.seconds
        if not isinstance(data, dict) or not isinstance(data.get("text"), str):
            raise ProviderError(
                "The openai speech service sent an answer without a transcript.",
                detail=answer.body[:300].decode("utf-8", "replace"),
            )
        on_progress(1.0)
        return _result(data, request, seconds)


def _form_fields(request: TranscriptionRequest) -> dict[str, Any]:
    extensions = set(settings.HARK_OPENAI_EXTENSIONS)
    fields: dict[str, Any] = {
        "model": settings.HARK_OPENAI_MODEL,
        "response_format": "verbose_json",
        "timestamp_granularities[]": ["word", "segment"],
        "temperature": "0",
    }
    if request.task == "translate":
        # The translations endpoint takes neither a language nor word granularities.
        del fields["timestamp_granularities[]"]
    elif request.language:
        fields["language"] = request.language
    if request.prompt:
        fields["prompt"] = request.prompt
    if request.vocabulary:
        if "context_bias" in extensions:
            fields["context_bias"] = ",".join(request.vocabulary)
        else:
            # Whisper follows the spelling of words it sees in the prompt.
            words = ", ".join(request.vocabulary)
            fields["prompt"] = f"{request.prompt} {words}".strip()
    if request.diarization and "diarize" in extensions:
        fields["diarize"] = "true"
    return fields


def _result(
    data: dict[str, Any], request: TranscriptionRequest, seconds: float
) -> TranscriptionResult:
    raw_segments = [
        RawSegment(
            start=_number(item.get("start")),
            end=_number(item.get("end")),
            text=str(item.get("text") or "").strip(),
            confidence=probability(item["avg_logprob"], log=True) if "avg_logprob" in item else 0.0,
            speaker=speaker_label(item.get("speaker")),
        )
        for item in data.get("segments") or []
        if isinstance(item, dict)
    ]
    words = [
        Word(
            text=str(item.get("word") or "").strip(),
            start=_number(item.get("start")),
            end=_number(item.get("end")),
            confidence=probability(item.get("probability", item.get("confidence", 0.0))),
        )
        for item in data.get("words") or []
        if isinstance(item, dict) and str(item.get("word") or "").strip()
    ]
    if not raw_segments and not words and data["text"].strip():
        # Plain json: the text without times, as one segment spanning the audio.
        raw_segments = [RawSegment(0.0, seconds, data["text"].strip())]
    segments = build_segments(
        words=words, segments=raw_segments, offset=request.start, seconds=seconds
    )
    if not request.word_timestamps:
        segments = [replace(segment, words=()) for segment in segments]
    return TranscriptionResult(
        segments=segments,
        language=language_code(data.get("language"), fallback=request.language or "en"),
        duration=round(seconds, 3),
        engine=NAME,
    )


def _number(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
