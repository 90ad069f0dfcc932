"""Deepgram's pre-recorded API: ``POST /v1/listen`` with the audio as the body.

Configured by ``HARK_DEEPGRAM_API_KEY`` (``HARK_DEEPGRAM_BASE_URL`` and
``HARK_DEEPGRAM_MODEL`` have defaults). Speakers come from ``diarize``, vocabulary from
``keyterm`` (Nova-3) or ``keywords`` (older models), segments from ``utterances``.
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
    RawSegment,
    build_segments,
    ensure_fits,
    language_code,
    probability,
    speaker_label,
    upload_audio,
)

NAME = "deepgram"
# Languages of Nova-2, the widest of Deepgram's models.
LANGUAGES: tuple[str, ...] = (
    "en", "bg", "ca", "cs", "da", "de", "el", "es", "et", "fi", "fr", "hi", "hu", "id", "it",
    "ja", "ko", "lt", "lv", "ms", "nl", "no", "pl", "pt", "ro", "ru", "sk", "sv", "th", "tr",
    "uk", "vi", "zh",
)  # fmt: skip
_MAX_BYTES = 2 * 1024**3


class DeepgramProvider:
    @classmethod
    def describe(cls) -> EngineInfo:
        model = settings.HARK_DEEPGRAM_MODEL
        return EngineInfo(
            name=NAME,
            label=f"Deepgram {model}",
            languages=LANGUAGES,
            diarization=True,
            word_timestamps=True,
            vocabulary=True,
            quality_rank=3,
            speed_rank=5,
            detects_language=True,
            max_upload_bytes=_MAX_BYTES,
            chunk_seconds=float(settings.HARK_UPSTREAM_CHUNK_SECONDS),
            upstream=True,
            notes=f"Sent to Deepgram's {model}: many languages, speaker labels.",
        )

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return None if settings.HARK_DEEPGRAM_API_KEY else "Set HARK_DEEPGRAM_API_KEY."

    def transcribe(
        self, request: TranscriptionRequest, on_progress: ProgressCallback
    ) -> TranscriptionResult:
        """Send the span as MP3 in the request body; read utterances and words back."""
        url = settings.HARK_DEEPGRAM_BASE_URL.rstrip("/") + "/listen"
        with upload_audio(request, provider=NAME) as audio:
            ensure_fits(audio, provider=NAME, max_bytes=_MAX_BYTES)
            on_progress(0.1)
            with audio.path.open("rb") as handle, upstream_client() as client:
                http_request = client.build_request(
                    "POST",
                    url,
                    params=_query(request),
                    headers={
                        "Authorization": f"Token {settings.HARK_DEEPGRAM_API_KEY}",
                        "Content-Type": audio.content_type,
                    },
                    content=handle.read(),
                )
                answer = send(client, http_request, provider=NAME)
            seconds = audio.seconds
        data = answer.json(provider=NAME)
        try:
            channel = data["results"]["channels"][0]
            alternative = channel["alternatives"][0]
        except (KeyError, IndexError, TypeError):
            raise ProviderError(
                "The deepgram speech service sent an answer without a transcript.",
                detail=answer.body[:300].decode("utf-8", "replace"),
            ) from None
        on_progress(1.0)
        return _result(data, channel, alternative, request, seconds)


def _query(request: TranscriptionRequest) -> list[tuple[str, str | int | float | bool | None]]:
    model = settings.HARK_DEEPGRAM_MODEL
    query: list[tuple[str, str | int | float | bool | None]] = [
        ("model", model),
        ("smart_format", "true"),
        ("punctuate", "true"),
        ("utterances", "true"),
    ]
    if request.language:
        query.append(("language", request.language))
    else:
        query.append(("detect_language", "true"))
    if request.diarization:
        query.append(("diarize", "true"))
    # Nova-3 takes key terms; older models boost keywords.
    key = "keyterm" if model.startswith("nova-3") else "keywords"
    query += [(key, term) for term in request.vocabulary]
    return query


def _word(item: dict[str, Any]) -> Word:
    return Word(
        text=str(item.get("punctuated_word") or item.get("word") or "").strip(),
        start=float(item.get("start") or 0.0),
        end=float(item.get("end") or 0.0),
        confidence=probability(item.get("confidence")),
    )


def _result(
    data: dict[str, Any],
    channel: dict[str, Any],
    alternative: dict[str, Any],
    request: TranscriptionRequest,
    seconds: float,
) -> TranscriptionResult:
    items = [w for w in alternative.get("words") or [] if isinstance(w, dict)]
    words = [_word(item) for item in items]
    speakers = [speaker_label(item.get("speaker")) for item in items]
    utterances = [
        u for u in (data.get("results") or {}).get("utterances") or [] if isinstance(u, dict)
    ]
    raw_segments = [
        RawSegment(
            start=float(u.get("start") or 0.0),
            end=float(u.get("end") or 0.0),
            text=str(u.get("transcript") or "").strip(),
            confidence=probability(u.get("confidence")),
            speaker=speaker_label(u.get("speaker")) if request.diarization else None,
        )
        for u in utterances
    ]
    if not words and not raw_segments and str(alternative.get("transcript") or "").strip():
        raw_segments = [RawSegment(0.0, seconds, str(alternative["transcript"]).strip())]
    segments = build_segments(
        words=words,
        segments=raw_segments,
        speakers=speakers if request.diarization else [],
        offset=request.start,
        seconds=seconds,
    )
    if not request.word_timestamps:
        segments = [replace(segment, words=()) for segment in segments]
    detected = channel.get("detected_language") or request.language
    return TranscriptionResult(
        segments=segments,
        language=language_code(detected, fallback=request.language or "en"),
        duration=round(seconds, 3),
        engine=NAME,
    )
