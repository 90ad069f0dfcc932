"""A loopback upstream speaking Deepgram's pre-recorded ``POST /v1/listen``.

The audio is the request body; options are query parameters; the answer is
``{"metadata", "results": {"channels": [{"alternatives": [{"transcript", "confidence",
"words"}]}], "utterances"}}``; errors are ``{"err_code", "err_msg", "request_id"}``.
"""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

from tests.upstreams.loopback import Loopback, Recorded, Reply
from tests.upstreams.transcribers import Heard, Transcriber

_UTTERANCE_PAUSE = 0.8


class DeepgramUpstream(Loopback):
    def __init__(self, transcriber: Transcriber, *, key: str = "dg-loopback") -> None:
        super().__init__()
        self.transcriber = transcriber
        self.key = key

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def fault_reply(self, status: int) -> Reply:
        return _error(status, "FAULT", f"injected fault {status}")

    def answer(self, recorded: Recorded) -> Reply:
        if (recorded.method, recorded.path) != ("POST", "/v1/listen"):
            return _error(404, "NOT_FOUND", "Not found.")
        if recorded.headers.get("authorization") != f"Token {self.key}":
            return _error(401, "INVALID_AUTH", "Invalid credentials.")
        if not recorded.body:
            return _error(400, "Bad Request", "No audio in the request body.")
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "audio"
            path.write_bytes(recorded.body)
            try:
                words, duration = self.transcriber(path)
            except Exception:  # the audio could not be decoded
                return _error(400, "Bad Request", "Bad Request: failed to process audio")
        query = recorded.query
        diarize = query.get("diarize") == ["true"]
        listed = [_word(w, diarize) for w in words]
        channel: dict[str, Any] = {
            "alternatives": [{
                "transcript": " ".join(w.text for w in words),
                "confidence": 0.97,
                "words": listed,
            }],
        }  # fmt: skip
        if query.get("detect_language") == ["true"]:
            channel["detected_language"] = "en"
            channel["language_confidence"] = 0.99
        body: dict[str, Any] = {
            "metadata": {
                "request_id": str(uuid.uuid4()),
                "duration": round(duration, 3),
                "channels": 1,
                "models": [query.get("model", ["nova-3"])[0]],
            },
            "results": {"channels": [channel]},
        }
        if query.get("utterances") == ["true"]:
            body["results"]["utterances"] = _utterances(words, diarize)
        return Reply.json(body)


def _word(word: Heard, diarize: bool) -> dict[str, Any]:
    item: dict[str, Any] = {
        "word": word.text.lower(),
        "start": word.start,
        "end": word.end,
        "confidence": word.confidence,
        "punctuated_word": word.text,
    }
    if diarize:
        item["speaker"] = word.speaker or 0
        item["speaker_confidence"] = 0.9
    return item


def _utterances(words: list[Heard], diarize: bool) -> list[dict[str, Any]]:
    groups: list[list[Heard]] = []
    for word in words:
        if groups and word.start - groups[-1][-1].end < _UTTERANCE_PAUSE:
            groups[-1].append(word)
        else:
            groups.append([word])
    return [
        {
            "start": group[0].start, "end": group[-1].end, "confidence": 0.95, "channel": 0,
            "transcript": " ".join(w.text for w in group),
            "words": [_word(w, diarize) for w in group],
            "speaker": (group[0].speaker or 0) if diarize else 0, "id": str(uuid.uuid4()),
        }
        for group in groups
    ]  # fmt: skip


def _error(status: int, code: str, message: str) -> Reply:
    return Reply.json(
        {"err_code": code, "err_msg": message, "request_id": str(uuid.uuid4())}, status
    )
