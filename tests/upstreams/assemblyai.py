"""A loopback upstream speaking AssemblyAI's asynchronous v2 API.

``POST /v2/upload`` → ``{"upload_url"}``; ``POST /v2/transcript`` → ``{"id", "status":
"queued"}``; ``GET /v2/transcript/{id}`` → queued, processing, then completed with
``text``, ``words`` (times in milliseconds, ``speaker`` "A", "B"…), ``utterances`` when
``speaker_labels``; ``DELETE`` forgets it; errors are ``{"error": "…"}``.

Without a ``webhook_url`` a transcript completes after ``polls_until_done`` polls. With
one, it completes ``callback_delay`` seconds after submission and the server then POSTs
``{"transcript_id", "status"}`` to the webhook, as AssemblyAI does; with
``callback_delay=None`` it stays "processing" until the test calls ``finish``.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from pathlib import Path
from typing import Any

import httpx

from tests.upstreams.loopback import Loopback, Recorded, Reply
from tests.upstreams.transcribers import Heard, Transcriber

_UTTERANCE_PAUSE = 0.8


class AssemblyAIUpstream(Loopback):
    def __init__(
        self,
        transcriber: Transcriber,
        *,
        key: str = "aai-loopback",
        polls_until_done: int = 2,
        callback_delay: float | None = 0.3,
        fails_with: str = "",
    ) -> None:
        super().__init__()
        self.transcriber = transcriber
        self.key = key
        self.polls_until_done = polls_until_done
        self.callback_delay = callback_delay
        self.fails_with = fails_with
        self.uploads: dict[str, bytes] = {}
        self.transcripts: dict[str, dict[str, Any]] = {}
        self.callbacks_sent: list[tuple[str, int]] = []  # (url, status answered)

    @property
    def base_url(self) -> str:
        return self.url

    def fault_reply(self, status: int) -> Reply:
        return Reply.json({"error": f"injected fault {status}"}, status)

    def answer(self, recorded: Recorded) -> Reply:
        if recorded.headers.get("authorization") != self.key:
            return Reply.json({"error": "Authentication error, API token missing/invalid"}, 401)
        method, path = recorded.method, recorded.path
        if (method, path) == ("POST", "/v2/upload"):
            upload_id = uuid.uuid4().hex
            self.uploads[upload_id] = recorded.body
            return Reply.json({"upload_url": f"{self.url}/files/{upload_id}"})
        if (method, path) == ("POST", "/v2/transcript"):
            return self._submit(recorded.json())
        if path.startswith("/v2/transcript/"):
            transcript = self.transcripts.get(path.rsplit("/", 1)[1])
            if transcript is None:
                return Reply.json({"error": "Transcript not found"}, 404)
            if method == "DELETE":
                transcript["deleted"] = True
                return Reply.json({"id": transcript["id"], "status": "completed", "text": ""})
            return self._poll(transcript)
        return Reply.json({"error": "Not found"}, 404)

    def _submit(self, body: dict[str, Any]) -> Reply:
        upload_id = str(body.get("audio_url", "")).rsplit("/", 1)[-1]
        if upload_id not in self.uploads:
            return Reply.json({"error": "Download error, unable to download audio_url"}, 400)
        transcript_id = str(uuid.uuid4())
        transcript = {"id": transcript_id, "status": "queued", "request": body, "polls": 0}
        with self.lock:
            self.transcripts[transcript_id] = transcript
        if body.get("webhook_url") and self.callback_delay is not None:
            timer = threading.Timer(self.callback_delay, self._complete_and_call_back, [transcript])
            timer.daemon = True
            timer.start()
        return Reply.json({"id": transcript_id, "status": "queued", "audio_url": body["audio_url"]})

    def _poll(self, transcript: dict[str, Any]) -> Reply:
        with self.lock:
            transcript["polls"] += 1
            if not transcript["request"].get("webhook_url"):
                if transcript["polls"] >= self.polls_until_done:
                    self._finish(transcript)
                elif transcript["status"] == "queued":
                    transcript["status"] = "processing"
            elif transcript["status"] == "queued":
                transcript["status"] = "processing"
        if transcript["status"] in {"queued", "processing"}:
            return Reply.json({"id": transcript["id"], "status": transcript["status"]})
        return Reply.json(transcript["result"])

    def _finish(self, transcript: dict[str, Any]) -> None:
        request = transcript["request"]
        if self.fails_with:
            transcript["status"] = "error"
            transcript["result"] = {"id": transcript["id"], "status": "error",
                                    "error": self.fails_with}  # fmt: skip
            return
        upload_id = str(request["audio_url"]).rsplit("/", 1)[-1]
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "audio"
            path.write_bytes(self.uploads[upload_id])
            words, duration = self.transcriber(path)
        speakers = bool(request.get("speaker_labels"))
        result: dict[str, Any] = {
            "id": transcript["id"],
            "status": "completed",
            "text": " ".join(w.text for w in words),
            "words": [_word(w, speakers) for w in words],
            "language_code": request.get("language_code") or "en_us",
            "audio_duration": round(duration),
            "confidence": 0.93,
            "utterances": _utterances(words) if speakers else None,
        }
        transcript["status"] = "completed"
        transcript["result"] = result

    def finish(self, transcript_id: str) -> dict[str, str]:
        """Finish a held transcript now (done, or failed with ``fails_with``); returns
        the callback's body, for the test to deliver (or lose)."""
        transcript = self.transcripts[transcript_id]
        with self.lock:
            self._finish(transcript)
        return {"transcript_id": transcript_id, "status": transcript["status"]}

    def _complete_and_call_back(self, transcript: dict[str, Any]) -> None:
        with self.lock:
            self._finish(transcript)
        url = transcript["request"]["webhook_url"]
        payload = {"transcript_id": transcript["id"], "status": transcript["status"]}
        response = httpx.post(url, json=payload, timeout=10)
        self.callbacks_sent.append((url, response.status_code))


def _speaker(word: Heard) -> str:
    return chr(ord("A") + (word.speaker or 0))


def _word(word: Heard, speakers: bool) -> dict[str, Any]:
    return {
        "text": word.text,
        "start": round(word.start * 1000),
        "end": round(word.end * 1000),
        "confidence": word.confidence,
        "speaker": _speaker(word) if speakers else None,
    }


def _utterances(words: list[Heard]) -> list[dict[str, Any]]:
    groups: list[list[Heard]] = []
    for word in words:
        if (
            groups
            and word.speaker == groups[-1][-1].speaker
            and word.start - groups[-1][-1].end < _UTTERANCE_PAUSE
        ):
            groups[-1].append(word)
        else:
            groups.append([word])
    return [
        {
            "speaker": _speaker(group[0]), "confidence": 0.9,
            "start": round(group[0].start * 1000), "end": round(group[-1].end * 1000),
            "text": " ".join(w.text for w in group), "words": [_word(w, True) for w in group],
        }
        for group in groups
    ]  # fmt: skip
