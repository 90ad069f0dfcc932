"""A loopback upstream speaking DeepL's API v2 ``POST /v2/translate``.

As DeepL documents: ``Authorization: DeepL-Auth-Key …``, a JSON body with ``text`` (1 to
50 texts), ``source_lang`` and ``target_lang`` (targets with a variety: EN-US, not EN),
``{"translations": [{"detected_source_language", "text"}]}`` back, errors as
``{"message": …}``, and 456 once the account's character quota is used up.
"""

from __future__ import annotations

from typing import Any

from tests.upstreams.loopback import Loopback, Recorded, Reply

TARGETS = frozenset({
    "AR", "BG", "CS", "DA", "DE", "EL", "EN-GB", "EN-US", "ES", "ET", "FI", "FR", "HU", "ID",
    "IT", "JA", "KO", "LT", "LV", "NB", "NL", "PL", "PT-BR", "PT-PT", "RO", "RU", "SK", "SL",
    "SV", "TR", "UK", "ZH", "ZH-HANS", "ZH-HANT",
})  # fmt: skip
SOURCES = frozenset(t.split("-")[0] for t in TARGETS)


class DeepLUpstream(Loopback):
    def __init__(self, *, key: str = "loopback:fx", quota_chars: int | None = None) -> None:
        super().__init__()
        self.key = key
        # Characters the account may still translate; None: no limit.
        self.quota_chars = quota_chars

    def configure(self, settings: Any) -> None:
        settings.HARK_DEEPL_API_KEY = self.key
        settings.HARK_DEEPL_BASE_URL = self.url

    def fault_reply(self, status: int) -> Reply:
        return Reply.json({"message": f"injected fault {status}"}, status)

    def answer(self, recorded: Recorded) -> Reply:
        if recorded.method != "POST" or recorded.path != "/v2/translate":
            return Reply.json({"message": "Not found"}, 404)
        if recorded.headers.get("authorization") != f"DeepL-Auth-Key {self.key}":
            return Reply.json({"message": "Wrong endpoint or authorization key"}, 403)
        try:
            body = recorded.json()
            texts = body["text"]
            target = body["target_lang"]
        except (ValueError, KeyError, TypeError):
            return Reply.json({"message": "Parameter 'text' not specified."}, 400)
        if not isinstance(texts, list) or not 1 <= len(texts) <= 50:
            return Reply.json({"message": "Too many texts in one request."}, 413)
        if target not in TARGETS:
            return Reply.json({"message": "Value for 'target_lang' not supported."}, 400)
        source = body.get("source_lang")
        if source is not None and source not in SOURCES:
            return Reply.json({"message": "Value for 'source_lang' not supported."}, 400)
        chars = sum(len(text) for text in texts)
        with self.lock:
            if self.quota_chars is not None:
                if chars > self.quota_chars:
                    return Reply.json({"message": "Quota Exceeded"}, 456)
                self.quota_chars -= chars
        return Reply.json(
            {
                "translations": [
                    {"detected_source_language": source or "EN", "text": f"[{target}] {text}"}
                    for text in texts
                ]
            }
        )
