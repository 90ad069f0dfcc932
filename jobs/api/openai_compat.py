"""OpenAI-compatible speech endpoints (``/v1/audio/transcriptions`` and friends).

The official ``openai`` client, GateFlow's examples and anything else written for
OpenAI's audio API work against Hark by changing the base URL and key. Requests become
ordinary jobs (held, charged, queued for a worker); the request waits for the result, or
with ``stream=true`` answers at once and sends the text as events when it is ready.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.models import ApiKey, Organization, User
from accounts.permissions import Capability
from config.api import OrganizationApiView
from config.api_schema import AUTHENTICATION_FAILED, ok_response
from config.idempotency import IdempotentPostMixin
from config.uploads import CappedUploadMixin
from jobs.api.openai_docs import speech_request, speech_responses
from jobs.api.openai_events import KEEPALIVE_COMMENT, sse_event, text_events
from jobs.api.results import transcript_document
from jobs.api.schema import OpenAIModelListOutput
from jobs.engines import enabled_engines
from jobs.errors import InvalidJobRequest, JobConflict, JobError
from jobs.exporters import get_exporter
from jobs.languages import language_name
from jobs.model_names import AUTO, model_aliases
from jobs.models import JobStatus, JobTask, TranscriptionJob
from jobs.options import PREFERENCES, TranscriptionOptions
from jobs.services.intake import job_create
from jobs.services.waiting import job_wait
from jobs.transcripts.selectors import job_text, transcript_read

RESPONSE_FORMATS = ("json", "text", "srt", "verbose_json", "vtt")
# How often a stream says it is still working while the job runs.
KEEPALIVE_SECONDS = 2.0


class WaitTimedOut(JobError):
    status = 504
    code = "timeout"


class TranscriptionFailed(JobError):
    status = 500
    code = "server_error"


class OpenAITranscriptionInput(serializers.Serializer):  # type: ignore[type-arg]
    file = serializers.FileField(allow_empty_file=False)
    # An enabled engine, "auto", or another service's id (whisper-1, voxtral-mini-latest):
    # routing decides what serves it, and names the available models when nothing can.
    # The engine that served a request is in the ``X-Hark-Engine`` response header.
    model = serializers.CharField(max_length=80)
    language = serializers.CharField(required=False, allow_blank=True, max_length=12)
    # A style hint, as in OpenAI's API; engines that cannot use it are not bound by it.
    prompt = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    response_format = serializers.ChoiceField(choices=RESPONSE_FORMATS, default="json")
    temperature = serializers.FloatField(required=False, min_value=0, max_value=1)
    stream = serializers.BooleanField(required=False, default=False)
    # Voxtral's extensions (GateFlow passes them through): speakers, and domain words.
    diarize = serializers.BooleanField(required=False, default=False)
    context_bias = serializers.CharField(required=False, allow_blank=True, max_length=4000)


def _granularities(request: Request) -> set[str]:
    data = request.data
    getlist = getattr(data, "getlist", None)  # a QueryDict for form posts
    values: list[str] = []
    if getlist is not None:
        values = getlist("timestamp_granularities[]") or getlist("timestamp_granularities")
    unknown = set(values) - {"word", "segment"}
    if unknown:
        raise InvalidJobRequest("timestamp_granularities may only hold 'word' and 'segment'.")
    return set(values) or {"segment"}


def _options(data: dict[str, Any], request: Request, *, task: str) -> TranscriptionOptions:
    bias = tuple(w.strip() for w in data.get("context_bias", "").split(",") if w.strip())
    if len(bias) > 100:
        raise InvalidJobRequest("context_bias may hold at most 100 words.")
    prefer, fallbacks = _gateflow(request)
    return TranscriptionOptions(
        model=data["model"],
        language=data.get("language", ""),
        diarization=data["diarize"],
        word_timestamps=True,
        vocabulary=bias,
        prefer=prefer,
        fallbacks=fallbacks,
        task=task,
        prompt=data.get("prompt", ""),
    )


def _gateflow(request: Request) -> tuple[str, tuple[str, ...]]:
    """GateFlow's ``extra_body={"gateflow": {"prefer": …, "fallbacks": […]}}``.

    The openai client flattens nested extra_body fields of a multipart request into
    ``gateflow[prefer]`` and ``gateflow[fallbacks][]`` (one field per item); a client
    building the form by hand may send ``gateflow`` as JSON, or plain ``prefer`` and
    ``fallbacks``.
    """
    data: Any = request.data
    getlist = getattr(data, "getlist", None)
    if getlist is None:  # a JSON body
        nested = data.get("gateflow") if isinstance(data, dict) else None
        nested = nested if isinstance(nested, dict) else {}
        raw_prefer = nested.get("prefer") or data.get("prefer") or ""
        raw_fallbacks = nested.get("fallbacks") or data.get("fallbacks") or []
    else:
        nested = {}
        if data.get("gateflow"):
            try:
                nested = json.loads(data["gateflow"])
            except ValueError:
                raise InvalidJobRequest("gateflow must be a JSON object.") from None
            nested = nested if isinstance(nested, dict) else {}
        raw_prefer = nested.get("prefer") or data.get("gateflow[prefer]") or data.get("prefer")
        raw_fallbacks = (
            nested.get("fallbacks")
            or getlist("gateflow[fallbacks][]")
            or getlist("fallbacks[]")
            or getlist("fallbacks")
        )
    if isinstance(raw_fallbacks, str):
        raw_fallbacks = raw_fallbacks.split(",")
    prefer = str(raw_prefer or "").strip()
    if prefer and prefer not in PREFERENCES:
        raise InvalidJobRequest(f"prefer must be one of {', '.join(PREFERENCES)}.")
    fallbacks = tuple(str(name).strip() for name in raw_fallbacks if str(name).strip())
    return prefer, fallbacks


def verbose_json(job: TranscriptionJob, *, words: bool) -> dict[str, Any]:
    view = transcript_read(job)
    segments = view.segments if view else ()
    body: dict[str, Any] = {
        "task": job.task,
        # The language spoken, named as OpenAI names it ("german"), for a translation too.
        "language": language_name((view.language if view else "") or job.language).lower(),
        "duration": round(job.duration_seconds, 3),
        "text": view.text if view else "",
        "segments": [
            {
                "id": index, "seek": 0, "start": s.start, "end": s.end, "text": s.text,
                "tokens": [], "temperature": 0.0, "avg_logprob": 0.0,
                "compression_ratio": 1.0, "no_speech_prob": 0.0,
                **({"speaker": s.speaker} if s.speaker else {}),
            }
            for index, s in enumerate(segments)
        ],
    }  # fmt: skip
    if words:
        body["words"] = [
            {"word": w.text, "start": w.start, "end": w.end} for s in segments for w in s.words
        ]
    return body


def _unfinished(job: TranscriptionJob) -> JobError | None:
    """Why ``job`` has no transcript to give, as the error to answer with; None if it has."""
    if job.status == JobStatus.FAILED:
        return TranscriptionFailed(job.error_message)
    if job.status == JobStatus.CANCELED:
        return JobConflict("This transcription was canceled before it finished.")
    if job.status != JobStatus.COMPLETED:
        return WaitTimedOut(
            f"The transcription is still running. Fetch it later from "
            f"/api/v1/transcribe/{job.pk}/ (job id {job.pk})."
        )
    return None


def _stream(organization: Organization, job_id: object) -> Iterator[str]:
    """OpenAI's transcription stream events for a job: SSE comments while it runs, then
    the text as deltas (a word each) and ``transcript.text.done``, or an error event.

    The response starts at once and a comment follows every few seconds, so a client's
    read timeout (httpx's is 5 s, as in GateFlow's streaming example) never fires while a
    worker transcribes.
    """
    deadline = time.monotonic() + settings.HARK_SYNC_TIMEOUT_SECONDS
    while True:
        left = max(deadline - time.monotonic(), 0.0)
        job = job_wait(
            organization=organization, job_id=job_id, timeout=min(KEEPALIVE_SECONDS, left)
        )
        if job.is_finished or left <= 0:
            break
        yield KEEPALIVE_COMMENT
    error = _unfinished(job)
    if error is not None:
        yield sse_event({"type": "error", "error": {"code": error.code, "message": error.message}})
        return
    yield from text_events(job_text(job))


class OpenAITranslationInput(OpenAITranscriptionInput):
    """The same fields: ``language`` is the language spoken (the text is English)."""


class OpenAITranscriptionApi(IdempotentPostMixin, CappedUploadMixin, OrganizationApiView):
    scopes = {"POST": Capability.JOBS_CREATE}
    parser_classes = [MultiPartParser, FormParser]
    task: str = JobTask.TRANSCRIBE

    @extend_schema(
        summary="OpenAI-compatible transcription (waits for the result)",
        **speech_request(
            OpenAITranscriptionInput,
            "jfk.flac",
            {
                "whisper-1, with segments": {
                    "model": "whisper-1",
                    "language": "en",
                    "response_format": "verbose_json",
                },
                "subtitles with speakers and names to listen for": {
                    "model": "auto",
                    "response_format": "srt",
                    "diarize": True,
                    "context_bias": "Okonkwo, Nairobi",
                },
            },
        ),
        responses=speech_responses(
            "transcription",
            "And so my fellow Americans, ask not what your country can do "
            "for you, ask what you can do for your country.",
        ),
    )
    def post(self, request: Request) -> HttpResponse | StreamingHttpResponse:
        payload = OpenAITranscriptionInput(data=self.uploaded_data(request))
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        granularities = _granularities(request)
        job = job_create(
            organization=self.organization,
            path=Path(data["file"].temporary_file_path()),
            filename=data["file"].name or "",
            options=_options(data, request, task=self.task),
            created_by=request.user if isinstance(request.user, User) else None,
            api_key=request.auth if isinstance(request.auth, ApiKey) else None,
        )
        if data["stream"]:
            stream = StreamingHttpResponse(
                _stream(self.organization, job.pk), content_type="text/event-stream"
            )
            # Which engine serves it is known only at the end; the job id is known now.
            stream["Cache-Control"] = "no-cache"
            stream["X-Hark-Job-Id"] = str(job.pk)
            return stream
        job = job_wait(
            organization=self.organization,
            job_id=job.pk,
            timeout=settings.HARK_SYNC_TIMEOUT_SECONDS,
        )
        response = self._render(job, data, granularities)
        response["X-Hark-Engine"] = (job.providers or [job.engine])[0]
        response["X-Hark-Job-Id"] = str(job.pk)
        return response

    def _render(
        self, job: TranscriptionJob, data: dict[str, Any], granularities: set[str]
    ) -> HttpResponse:
        error = _unfinished(job)
        if error is not None:
            raise error
        response_format = data["response_format"]
        if response_format == "json":
            return Response({"text": job_text(job)})
        if response_format == "verbose_json":
            return Response(verbose_json(job, words="word" in granularities))
        exporter = get_exporter("txt" if response_format == "text" else response_format)
        assert exporter is not None  # the serializer restricted the choices
        return HttpResponse(exporter.render(transcript_document(job)), exporter.content_type)


class OpenAITranslationApi(OpenAITranscriptionApi):
    """Speech in any language to English text: a job with task=translate, served only by
    engines that translate (routing refuses the others with a 400 naming those that can)."""

    task = JobTask.TRANSLATE

    @extend_schema(
        summary="OpenAI-compatible translation of speech into English (waits for the result)",
        **speech_request(
            OpenAITranslationInput,
            "meeting-de.mp3",
            {
                "German speech as English text": {
                    "model": "whisper-1",
                    "language": "de",
                    "response_format": "text",
                },
            },
        ),
        responses=speech_responses(
            "translation into English", "Good morning, and welcome to the meeting."
        ),
    )
    def post(self, request: Request) -> HttpResponse | StreamingHttpResponse:
        return super().post(request)


class OpenAIModelListApi(OrganizationApiView):
    @extend_schema(
        summary="OpenAI-compatible model list",
        responses={
            200: ok_response(OpenAIModelListOutput, "The models", models={
                "object": "list",
                "data": [
                    {"id": "auto", "object": "model", "created": 0, "owned_by": "hark"},
                    {"id": "whisper", "object": "model", "created": 0, "owned_by": "hark"},
                    {"id": "whisper-1", "object": "model", "created": 0, "owned_by": "hark",
                     "alias_for": "whisper"},
                ],
            }),
            401: AUTHENTICATION_FAILED,
        },
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        def model(model_id: str, **extra: str) -> dict[str, Any]:
            return {"id": model_id, "object": "model", "created": 0, "owned_by": "hark", **extra}

        # Other services' ids are marked with what serves them: an engine, or "auto".
        return Response({
            "object": "list",
            "data": [
                model(AUTO),
                *(model(info.name) for info in enabled_engines()),
                *(model(alias.id, alias_for=alias.target) for alias in model_aliases()),
            ],
        })  # fmt: skip
