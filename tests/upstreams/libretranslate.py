"""A loopback upstream speaking LibreTranslate's API: ``GET /languages`` and
``POST /translate`` (``q`` a string or an array, ``source``, ``target``, ``format``,
``api_key``), errors as ``{"error": …}``."""

from __future__ import annotations

from typing import Any

from tests.upstreams.loopback import Loopback, Recorded, Reply

LANGUAGES = {"en": ("es", "fr", "de"), "es": ("en", "fr"), "fr": ("en", "es"), "de": ("en",)}


class LibreTranslateUpstream(Loopback):
    def __init__(self, *, key: str = "") -> None:
        super().__init__()
        # Empty: the server takes requests without a key.
        self.key = key

    def configure(self, settings: Any) -> None:
        settings.HARK_LIBRETRANSLATE_URL = self.url
        settings.HARK_LIBRETRANSLATE_API_KEY = self.key

    def fault_reply(self, status: int) -> Reply:
        return Reply.json({"error": f"injected fault {status}"}, status)

    def answer(self, recorded: Recorded) -> Reply:
        if recorded.method == "GET" and recorded.path == "/languages":
            return Reply.json(
                [
                    {"code": code, "name": code.upper(), "targets": list(targets)}
                    for code, targets in LANGUAGES.items()
                ]
            )
        if recorded.method != "POST" or recorded.path != "/translate":
            return Reply.json({"error": "Not found"}, 404)
        try:
            body = recorded.json()
            q, source, target = body["q"], body["source"], body["target"]
        except (ValueError, KeyError, TypeError):
            return Reply.json({"error": "Invalid request: missing q, source or target"}, 400)
        if self.key and body.get("api_key") != self.key:
            return Reply.json({"error": "Invalid API key"}, 403)
        if target not in LANGUAGES.get(source, ()):
            return Reply.json({"error": f"{source} → {target} is not supported"}, 400)
        if isinstance(q, list):
            return Reply.json({"translatedText": [f"[{target}] {text}" for text in q]})
        return Reply.json({"translatedText": f"[{target}] {q}"})
