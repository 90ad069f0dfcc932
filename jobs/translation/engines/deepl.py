"""DeepL API v2: ``POST /v2/translate`` with up to 50 texts a request.

Configured by ``HARK_DEEPL_API_KEY``; free keys (ending in ``:fx``) go to
api-free.deepl.com, others to api.deepl.com, unless ``HARK_DEEPL_BASE_URL`` says.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import product

from django.conf import settings

from jobs.engines.base import ProviderError
from jobs.translation.engines.base import (
    LanguagePair,
    TextSegment,
    TranslatorBase,
    TranslatorInfo,
    batches,
    price_per_word,
)
from jobs.translation.engines.upstream import request_json

NAME = "deepl"
FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
# DeepL's documented source languages; every one is also a target.
LANGUAGES: tuple[str, ...] = (
    "ar", "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "hu", "id", "it",
    "ja", "ko", "lt", "lv", "nb", "nl", "pl", "pt", "ro", "ru", "sk", "sl", "sv", "tr",
    "uk", "zh",
)  # fmt: skip
# Targets DeepL wants with a variety: it refuses plain "EN" and "PT" as targets.
_TARGETS = {"en": "EN-US", "pt": "PT-PT", "zh": "ZH-HANS"}
MAX_TEXTS = 50
# DeepL takes requests up to 128 KiB.
_MAX_CHARS = 30_000
QUOTA_EXCEEDED = 456


class DeepLTranslator(TranslatorBase):
    @classmethod
    def describe(cls) -> TranslatorInfo:
        return TranslatorInfo(
            name=NAME,
            label="DeepL",
            price_per_word=price_per_word(NAME),
            quality_rank=4,
            speed_rank=4,
            notes="DeepL's neural translation: fluent and fast, about 30 languages.",
        )

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return None if settings.HARK_DEEPL_API_KEY else "Set HARK_DEEPL_API_KEY."

    @classmethod
    def pairs(cls) -> frozenset[LanguagePair]:
        if not cls.available():
            return frozenset()
        return frozenset(p for p in product(LANGUAGES, LANGUAGES) if p[0] != p[1])

    def translate(self, segments: Sequence[TextSegment], source: str, target: str) -> list[str]:
        """One request per 50 segments; empty segments are not sent."""
        self.check(segments, source, target)
        if source == target:
            return [segment.text for segment in segments]
        translated: dict[str, str] = {}
        to_do = [s for s in segments if s.text.strip()]
        for batch in batches(to_do, max_segments=MAX_TEXTS, max_chars=_MAX_CHARS):
            texts = _translate_batch([s.text for s in batch], source, target)
            translated.update(zip([s.id for s in batch], texts, strict=True))
        return [translated.get(segment.id, "") for segment in segments]


def base_url() -> str:
    key: str = settings.HARK_DEEPL_API_KEY
    configured: str = settings.HARK_DEEPL_BASE_URL
    return (configured or (FREE_URL if key.endswith(":fx") else PRO_URL)).rstrip("/")


def _translate_batch(texts: list[str], source: str, target: str) -> list[str]:
    body = {
        "text": texts,
        "source_lang": source.upper(),
        "target_lang": _TARGETS.get(target, target.upper()),
    }
    headers = {"Authorization": f"DeepL-Auth-Key {settings.HARK_DEEPL_API_KEY}"}
    try:
        data = request_json(
            "POST", base_url() + "/v2/translate", provider=NAME, payload=body, headers=headers
        )
    except ProviderError as exc:
        if exc.status == QUOTA_EXCEEDED:
            raise ProviderError(
                "The DeepL account's monthly character quota is used up. Our team has to "
                "raise it; you have not been charged.",
                permanent=True,
                status=exc.status,
                detail=exc.detail,
            ) from exc
        raise
    items = data.get("translations") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) != len(texts):
        raise ProviderError(
            f"The {NAME} translation service sent a different number of translations than texts.",
            detail=str(data)[:300],
        )
    return [str(item.get("text") or "") if isinstance(item, dict) else "" for item in items]
