"""A self-hosted LibreTranslate server: ``POST /translate`` with ``q`` as an array, and
``GET /languages`` for what it can translate.

Configured by ``HARK_LIBRETRANSLATE_URL`` (and ``HARK_LIBRETRANSLATE_API_KEY`` when the
server asks for keys). Its languages are asked for at most every few minutes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence

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

logger = logging.getLogger(__name__)

NAME = "libretranslate"
MAX_TEXTS = 50
_MAX_CHARS = 10_000
LANGUAGES_TTL_SECONDS = 300.0
_languages: dict[str, tuple[float, frozenset[LanguagePair]]] = {}
_languages_lock = threading.Lock()


class LibreTranslateTranslator(TranslatorBase):
    @classmethod
    def describe(cls) -> TranslatorInfo:
        return TranslatorInfo(
            name=NAME,
            label="LibreTranslate",
            price_per_word=price_per_word(NAME),
            quality_rank=2,
            speed_rank=3,
            notes="A LibreTranslate server of our own (Argos Translate models).",
        )

    @classmethod
    def unavailable_reason(cls) -> str | None:
        return None if settings.HARK_LIBRETRANSLATE_URL else "Set HARK_LIBRETRANSLATE_URL."

    @classmethod
    def pairs(cls) -> frozenset[LanguagePair]:
        """What the server's ``/languages`` says, remembered for a few minutes; empty
        (and asked again next time) when it cannot be reached."""
        if not cls.available():
            return frozenset()
        url = _url()
        with _languages_lock:
            cached = _languages.get(url)
        if cached is not None and time.monotonic() - cached[0] < LANGUAGES_TTL_SECONDS:
            return cached[1]
        try:
            data = request_json("GET", url + "/languages", provider=NAME)
        except ProviderError as exc:
            logger.warning("LibreTranslate's languages could not be read: %s", exc.detail)
            return frozenset()
        pairs = frozenset(
            (str(item["code"]), str(target))
            for item in (data if isinstance(data, list) else [])
            if isinstance(item, dict) and "code" in item
            for target in item.get("targets") or []
            if str(target) != str(item["code"])
        )
        with _languages_lock:
            _languages[url] = (time.monotonic(), pairs)
        return pairs

    def translate(self, segments: Sequence[TextSegment], source: str, target: str) -> list[str]:
        """One request per 50 segments (or 10,000 characters); empty ones are not sent."""
        self.check(segments, source, target)
        if source == target:
            return [segment.text for segment in segments]
        translated: dict[str, str] = {}
        to_do = [s for s in segments if s.text.strip()]
        for batch in batches(to_do, max_segments=MAX_TEXTS, max_chars=_MAX_CHARS):
            texts = _translate_batch([s.text for s in batch], source, target)
            translated.update(zip([s.id for s in batch], texts, strict=True))
        return [translated.get(segment.id, "") for segment in segments]


def _url() -> str:
    url: str = settings.HARK_LIBRETRANSLATE_URL
    return url.rstrip("/")


def _translate_batch(texts: list[str], source: str, target: str) -> list[str]:
    body: dict[str, object] = {"q": texts, "source": source, "target": target, "format": "text"}
    if settings.HARK_LIBRETRANSLATE_API_KEY:
        body["api_key"] = settings.HARK_LIBRETRANSLATE_API_KEY
    data = request_json("POST", _url() + "/translate", provider=NAME, payload=body)
    items = data.get("translatedText") if isinstance(data, dict) else None
    if not isinstance(items, list) or len(items) != len(texts):
        raise ProviderError(
            f"The {NAME} translation service sent a different number of translations than texts.",
            detail=str(data)[:300],
        )
    return [str(item) for item in items]
