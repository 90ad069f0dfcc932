"""AssemblyAI, an asynchronous API: upload, submit, then wait for a callback or poll.

Configured by ``HARK_ASSEMBLYAI_API_KEY`` (``HARK_ASSEMBLYAI_BASE_URL`` and
``HARK_ASSEMBLYAI_MODEL`` are optional). ``POST /v2/upload`` takes the audio,
``POST /v2/transcript`` queues the transcript, and it is ready when
``GET /v2/transcript/{id}`` says ``completed``. When this installation has a public
address, routing uses ``submit`` (with a ``webhook_url``): the job is parked and the
worker is free at once; AssemblyAI's callback resumes the job through ``collect``, and
the sweeper asks now and then in case a callback is lost (``jobs.services.parked``).
Otherwise ``transcribe`` waits in the worker, asking every
``HARK_ASSEMBLYAI_POLL_SECONDS``. The transcript is deleted upstream once read.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any

import httpx
from django.conf import settings

from jobs.engines.base import (
    EngineInfo,
    ProgressCallback,
    ProviderError,
    Submission,
    TranscriptionRequest,
    TranscriptionResult,
    Word,
)
from jobs.engines.http import send, upstream_client
from jobs.engines.upstream import (
    RawSegment,
    UploadAudio,
    build_segments,
    ensure_fits,
    language_code,
    probability,
    speaker_label,
    upload_audio,
)

logger = logging.getLogger(__name__)

NAME = "assemblyai"
# The languages of AssemblyAI's Universal model at its best tier.
LANGUAGES: tuple[str, ...] = (
    "en", "es", "fr", "de", "it", "pt", "nl", "hi", "ja", "zh", "fi", "ko", "pl", "ru",
    "tr", "uk", "vi",
)  # fmt: skip
_MAX_BYTES = 2 * 1024**3
# A poll that fails is asked again; this many failures in a row give up.
_POLL_FAILURES = 3
# Words AssemblyAI uses when its own side failed, which another try may get past.
_TRANSIENT_WORDS = ("internal", "try again", "timed out", "timeout", "unavailable")


class AssemblyAIProvider:
    @classmethod
    def describe(cls) -> EngineInfo:
        model = settings.HARK_ASSEMBLYAI_MODEL or "Universal"
        return EngineInfo(
            name=NAME,
            label=f"AssemblyAI {model}",
            languages=LANGUAGES,
            diarization=True,
            word_timestamps=True,
            vocabulary=True,
            quality_rank=4,
            speed_rank=2,
            detects_language=True,
            max_upload_bytes=_MAX_BYTES,
            chunk_seconds=float(settings.HARK_UPSTREAM_CHUNK_SECONDS),
            upstream=True,
            notes="AssemblyAI: accurate, speaker labels, queued and called back when done.",
        )

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return None if settings.HARK_ASSEMBLYAI_API_KEY else "Set HARK_ASSEMBLYAI_API_KEY."

    def transcribe(
        self, request: TranscriptionRequest, on_progress: ProgressCallback
    ) -> TranscriptionResult:
        """Upload, submit and wait; the transcript's times land on the media's timeline."""
        with upload_audio(request, provider=NAME) as audio, upstream_client() as client:
            ensure_fits(audio, provider=NAME, max_bytes=_MAX_BYTES)
            upload_url = _upload(client, audio)
            on_progress(0.1)
            # Routing parks a job (``submit``) when we can be called back; here we poll.
            transcript_id = _submit(client, upload_url, request, None)
            data = _wait(client, transcript_id, on_progress, audio.seconds)
            _forget(client, transcript_id)
            seconds = audio.seconds
        on_progress(1.0)
        return _result(data, request, seconds)

    def submit(self, request: TranscriptionRequest, on_progress: ProgressCallback) -> Submission:
        """Upload and queue the transcript with our callback address; no waiting."""
        webhook = request.callbacks.url(NAME) if request.callbacks else None
        if not webhook:
            raise ValueError("submit needs a callback address; transcribe polls instead")
        with upload_audio(request, provider=NAME) as audio, upstream_client() as client:
            ensure_fits(audio, provider=NAME, max_bytes=_MAX_BYTES)
            upload_url = _upload(client, audio)
            on_progress(0.1)
            transcript_id = _submit(client, upload_url, request, webhook)
            seconds = audio.seconds
        return Submission(
            reference=transcript_id, audio_seconds=seconds, wait_seconds=_budget(seconds)
        )

    def collect(
        self, reference: str, request: TranscriptionRequest, *, audio_seconds: float
    ) -> TranscriptionResult | None:
        """The submitted transcript, once AssemblyAI says it is completed."""
        with upstream_client() as client:
            try:
                data = _poll(client, reference)
            except ProviderError as exc:
                if exc.permanent:
                    raise
                # Asking failed, not the transcript: it is asked again later.
                logger.info("could not ask assemblyai about %s: %s", reference, exc)
                return None
        status = data.get("status")
        if status == "completed":
            return _result(data, request, audio_seconds)
        if status == "error":
            raise _failure(data)
        return None

    def forget(self, reference: str) -> None:
        with upstream_client() as client:
            _forget(client, reference)


def _url(path: str) -> str:
    return settings.HARK_ASSEMBLYAI_BASE_URL.rstrip("/") + path


def _headers() -> dict[str, str]:
    return {"Authorization": settings.HARK_ASSEMBLYAI_API_KEY}


def _upload(client: httpx.Client, audio: UploadAudio) -> str:
    with audio.path.open("rb") as handle:
        http_request = client.build_request(
            "POST",
            _url("/v2/upload"),
            headers={**_headers(), "Content-Type": "application/octet-stream"},
            content=handle.read(),
        )
    data = send(client, http_request, provider=NAME).json(provider=NAME)
    if not isinstance(data, dict) or not data.get("upload_url"):
        raise ProviderError("The assemblyai speech service did not accept the upload.")
    return str(data["upload_url"])


def _submit(
    client: httpx.Client, upload_url: str, request: TranscriptionRequest, webhook: str | None
) -> str:
    body: dict[str, Any] = {"audio_url": upload_url, "punctuate": True, "format_text": True}
    if settings.HARK_ASSEMBLYAI_MODEL:
        body["speech_model"] = settings.HARK_ASSEMBLYAI_MODEL
    if request.language:
        body["language_code"] = request.language
    else:
        body["language_detection"] = True
    if request.diarization:
        body["speaker_labels"] = True
    if request.vocabulary:
        body["word_boost"] = list(request.vocabulary)
        body["boost_param"] = "high"
    if webhook:
        body["webhook_url"] = webhook
    http_request = client.build_request(
        "POST", _url("/v2/transcript"), headers=_headers(), json=body
    )
    data = send(client, http_request, provider=NAME).json(provider=NAME)
    if not isinstance(data, dict) or not data.get("id"):
        raise ProviderError("The assemblyai speech service did not queue the transcript.")
    return str(data["id"])


def _wait(
    client: httpx.Client, transcript_id: str, on_progress: ProgressCallback, seconds: float
) -> dict[str, Any]:
    poll_every = float(settings.HARK_ASSEMBLYAI_POLL_SECONDS)
    budget = _budget(seconds)
    started = time.monotonic()
    last_poll = float("-inf")
    failures = 0
    while time.monotonic() - started < budget:
        elapsed = time.monotonic() - started
        # Progress keeps the worker's lease; it creeps towards 0.9 while we wait.
        on_progress(0.1 + 0.8 * min(elapsed / max(seconds, 1.0), 1.0))
        if time.monotonic() - last_poll >= poll_every:
            last_poll = time.monotonic()
            try:
                data = _poll(client, transcript_id)
            except ProviderError as exc:
                failures += 1
                if exc.permanent or failures >= _POLL_FAILURES:
                    raise
                continue
            failures = 0
            status = data.get("status")
            if status == "completed":
                return data
            if status == "error":
                raise _failure(data)
        time.sleep(min(poll_every, 1.0))
    raise ProviderError(
        f"The assemblyai speech service did not finish within {budget:.0f} seconds."
    )


def _budget(seconds: float) -> float:
    """How long a transcript of ``seconds`` of audio may take upstream."""
    return float(settings.HARK_UPSTREAM_TIMEOUT_SECONDS + 2 * seconds)


def _failure(data: dict[str, Any]) -> ProviderError:
    """What a transcript whose status is "error" means for us."""
    message = str(data.get("error") or "unknown error")
    return ProviderError(
        f"The assemblyai speech service could not transcribe this audio: {message}",
        permanent=not any(word in message.lower() for word in _TRANSIENT_WORDS),
        detail=message,
    )


def _poll(client: httpx.Client, transcript_id: str) -> dict[str, Any]:
    http_request = client.build_request(
        "GET", _url(f"/v2/transcript/{transcript_id}"), headers=_headers()
    )
    data = send(client, http_request, provider=NAME).json(provider=NAME)
    if not isinstance(data, dict):
        raise ProviderError("The assemblyai speech service sent an answer we could not read.")
    return data


def _forget(client: httpx.Client, transcript_id: str) -> None:
    """Delete the transcript upstream: the customer's words need not stay there."""
    try:
        http_request = client.build_request(
            "DELETE", _url(f"/v2/transcript/{transcript_id}"), headers=_headers()
        )
        send(client, http_request, provider=NAME, deadline=10)
    except ProviderError as exc:
        logger.warning("could not delete assemblyai transcript %s: %s", transcript_id, exc)


def _word(item: dict[str, Any]) -> Word:
    return Word(
        text=str(item.get("text") or "").strip(),
        start=float(item.get("start") or 0) / 1000,
        end=float(item.get("end") or 0) / 1000,
        confidence=probability(item.get("confidence")),
    )


def _result(
    data: dict[str, Any], request: TranscriptionRequest, seconds: float
) -> TranscriptionResult:
    items = [w for w in data.get("words") or [] if isinstance(w, dict)]
    words = [_word(item) for item in items if str(item.get("text") or "").strip()]
    speakers = [
        speaker_label(item.get("speaker")) for item in items if str(item.get("text") or "").strip()
    ]
    raw_segments = [
        RawSegment(
            start=float(u.get("start") or 0) / 1000,
            end=float(u.get("end") or 0) / 1000,
            text=str(u.get("text") or "").strip(),
            confidence=probability(u.get("confidence")),
            speaker=speaker_label(u.get("speaker")),
        )
        for u in data.get("utterances") or []
        if isinstance(u, dict)
    ]
    text = str(data.get("text") or "").strip()
    if not words and not raw_segments and text:
        raw_segments = [RawSegment(0.0, seconds, text)]
    segments = build_segments(
        words=words,
        segments=raw_segments,
        speakers=speakers if request.diarization else [],
        offset=request.start,
        seconds=seconds,
    )
    if not request.word_timestamps:
        segments = [replace(segment, words=()) for segment in segments]
    return TranscriptionResult(
        segments=segments,
        language=language_code(data.get("language_code"), fallback=request.language or "en"),
        duration=round(seconds, 3),
        engine=NAME,
    )
