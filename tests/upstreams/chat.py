"""A loopback upstream speaking OpenAI's ``POST /v1/chat/completions`` as a translator.

It reads the segments Hark sends as JSON in the user message and answers with
``{"translations": [{"id", "text"}]}`` in the assistant message, each text a stand-in
translation (``"[es] the text"``). Tests queue bad answers, which the next requests
give instead: ``upstream.misbehave("merged")``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from tests.upstreams.loopback import Loopback, Recorded, Reply

# What a language model gets wrong, by name.
BAD_ANSWERS = ("not_json", "missing_id", "merged", "unknown_id", "no_content", "fenced")


def stand_in(text: str, target: str) -> str:
    return f"[{target}] {text}"


class ChatUpstream(Loopback):
    def __init__(self, *, key: str = "sk-loopback", latency: float = 0.0) -> None:
        super().__init__()
        self.key = key
        # Seconds to think per request (benchmarks).
        self.latency = latency
        self.bad: list[str] = []

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    def configure(self, settings: Any) -> None:
        settings.HARK_TRANSLATION_OPENAI_BASE_URL = self.base_url
        settings.HARK_TRANSLATION_OPENAI_API_KEY = self.key
        settings.HARK_TRANSLATION_OPENAI_MODEL = "gpt-loopback"
        settings.HARK_TRANSLATION_OPENAI_JSON_MODE = True
        settings.HARK_TRANSLATION_OPENAI_LANGUAGES = []

    def misbehave(self, *kinds: str) -> None:
        assert set(kinds) <= set(BAD_ANSWERS), kinds
        with self.lock:
            self.bad.extend(kinds)

    def segments_sent(self) -> list[list[dict[str, str]]]:
        """The segments of each request, in order."""
        return [
            json.loads(r.json()["messages"][-1]["content"])["segments"]
            for r in self.requests_to("/v1/chat/completions")
        ]

    def answer(self, recorded: Recorded) -> Reply:
        if recorded.method != "POST" or recorded.path != "/v1/chat/completions":
            return _error(404, "Not found", "invalid_request_error")
        if recorded.headers.get("authorization") != f"Bearer {self.key}":
            return _error(401, "Incorrect API key provided.", "invalid_api_key")
        try:
            body = recorded.json()
            asked = json.loads(body["messages"][-1]["content"])
            segments = asked["segments"]
            target = asked["target"]
        except (ValueError, KeyError, IndexError, TypeError):
            return _error(400, "Could not parse the request.", "invalid_request_error")
        if self.latency:
            time.sleep(self.latency)
        translations = [{"id": s["id"], "text": stand_in(s["text"], target)} for s in segments]
        with self.lock:
            bad = self.bad.pop(0) if self.bad else ""
        content: str | None = json.dumps({"translations": translations}, ensure_ascii=False)
        if bad == "not_json":
            content = "Sure! Here are your translations: " + " / ".join(
                t["text"] for t in translations
            )
        elif bad == "missing_id":
            content = json.dumps({"translations": translations[:-1]})
        elif bad == "merged" and len(translations) > 1:
            first, second, *rest = translations
            merged = {"id": first["id"], "text": f"{first['text']} {second['text']}"}
            content = json.dumps({"translations": [merged, *rest]})
        elif bad == "unknown_id":
            content = json.dumps({"translations": [*translations, {"id": "x", "text": "x"}]})
        elif bad == "no_content":
            content = None
        elif bad == "fenced":
            content = f"```json\n{content}\n```"
        return Reply.json(
            {
                "id": "chatcmpl-loopback",
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body.get("model"),
                "choices": [
                    {
                        "index": 0,
                        "message": {"role": "assistant", "content": content},
                        "finish_reason": "stop",
                    }
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            }
        )


def _error(status: int, message: str, code: str) -> Reply:
    return Reply.json(
        {"error": {"message": message, "type": "invalid_request_error", "code": code}}, status
    )
