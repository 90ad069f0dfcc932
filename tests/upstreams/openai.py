"""A loopback upstream speaking OpenAI's ``POST /v1/audio/transcriptions``.

Answers as OpenAI documents: ``{"text"}`` for ``json``, the verbose shape (language as
a name, segments, and words when ``timestamp_granularities[]`` asks) for
``verbose_json``, errors as ``{"error": {"message", "type", "code"}}``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from tests.upstreams.loopback import Loopback, Recorded, Reply
from tests.upstreams.transcribers import Heard, Transcriber

_SEGMENT_PAUSE = 1.0


class OpenAIUpstream(Loopback):
    def __init__(
        self,
        transcriber: Transcriber,
        *,
        key: str = "sk-loopback",
        latency: Callable[[float], float] | None = None,
        language: str = "english",
        only_json: bool = False,
    ) -> None:
        super().__init__()
        self.transcriber = transcriber
        self.key = key
        # Seconds to think per request, from the seconds of audio received (benchmarks).
        self.latency = latency
        self.language = language
        # Some upstreams (gpt-4o-transcribe) answer plain json whatever is asked.
        self.only_json = only_json

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def configure(self, settings: Any, *, label: str = "") -> None:
        """Enable ``local`` (1 credit a minute, the default engine) and ``openai`` on this
        upstream (3 credits a minute), as the routing, retry and page tests use them."""
        settings.HARK_ENGINES = ["local", "openai"]
        settings.HARK_DEFAULT_ENGINE = "local"
        settings.HARK_OPENAI_BASE_URL = self.base_url
        settings.HARK_OPENAI_API_KEY = self.key
        settings.HARK_OPENAI_MODEL = "whisper-1"
        settings.HARK_OPENAI_EXTENSIONS = []
        settings.HARK_OPENAI_LABEL = label
        settings.HARK_ENGINE_PRICES = {"local": Decimal("1"), "openai": Decimal("3")}

    def answer(self, recorded: Recorded) -> Reply:
        if recorded.method != "POST" or recorded.path not in (
            "/v1/audio/transcriptions",
            "/v1/audio/translations",
        ):
            return _error(404, "Not found", "invalid_request_error")
        translating = recorded.path.endswith("/translations")
        if translating and "language" in recorded.form:
            return _error(400, "Unrecognized request argument: language", "invalid_request_error")
        if recorded.headers.get("authorization") != f"Bearer {self.key}":
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        audio = recorded.files.get("file")
        if not audio:
            return _error(400, "Missing file.", "invalid_request_error")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "upload"
            path.write_bytes(audio)
            try:
                words, duration = self.transcriber(path)
            except Exception as exc:  # an unreadable file is the client's fault
                return _error(400, f"Invalid file format: {exc}", "invalid_request_error")
        if self.latency is not None:
            time.sleep(self.latency(duration))
        if translating:  # a stand-in "translation": the loopback marks what it did
            words = [Heard(f"en:{w.text}", w.start, w.end, w.confidence, w.speaker) for w in words]
        text = " ".join(w.text for w in words)
        form = recorded.form
        response_format = form.get("response_format", ["json"])[0]
        if response_format == "json" or self.only_json:
            return Reply.json({"text": text})
        if response_format == "text":
            return Reply(200, text.encode(), {"Content-Type": "text/plain"})
        diarize = form.get("diarize", ["false"])[0] == "true"
        body: dict[str, Any] = {
            "task": "translate" if translating else "transcribe",
            "language": "english" if translating else self.language,
            "duration": round(duration, 3),
            "text": text,
            "segments": _segments(words, diarize=diarize),
        }
        if "word" in form.get("timestamp_granularities[]", []):
            body["words"] = [{"word": w.text, "start": w.start, "end": w.end} for w in words]
        return Reply.json(body)


def _segments(words: list[Heard], *, diarize: bool) -> list[dict[str, Any]]:
    groups: list[list[Heard]] = []
    for word in words:
        if (
            groups
            and word.start - groups[-1][-1].end < _SEGMENT_PAUSE
            and word.speaker == groups[-1][-1].speaker
        ):
            groups[-1].append(word)
        else:
            groups.append([word])
    return [
        {
            "id": index, "seek": 0, "start": group[0].start, "end": group[-1].end,
            "text": " ".join(w.text for w in group), "tokens": [], "temperature": 0.0,
            "avg_logprob": -0.1, "compression_ratio": 1.0, "no_speech_prob": 0.01,
            **({"speaker": f"speaker_{group[0].speaker}"}
               if diarize and group[0].speaker is not None else {}),
        }
        for index, group in enumerate(groups)
    ]  # fmt: skip


def _error(status: int, message: str, code: str) -> Reply:
    return Reply.json(
        {"error": {"message": message, "type": "invalid_request_error", "code": code}}, status
    )
