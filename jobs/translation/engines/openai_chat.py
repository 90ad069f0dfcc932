"""Any OpenAI-compatible ``POST /v1/chat/completions`` as a translator: OpenAI, Mistral,
Groq, vLLM, Ollama.

Configured by ``HARK_TRANSLATION_OPENAI_BASE_URL`` (ending in ``/v1``),
``HARK_TRANSLATION_OPENAI_API_KEY`` and ``HARK_TRANSLATION_OPENAI_MODEL``. Segments go
in batches (by count and characters) as JSON with their ids, and the model is asked for
JSON back, one translation per id. A language model may drop, merge or invent segments,
so every answer is checked against what was sent; a bad one is asked again once, then
given up on as a transient failure (another translator may do better).
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from itertools import permutations
from typing import Any

from django.conf import settings

from jobs.engines.base import ProviderError
from jobs.languages import language_name
from jobs.translation.engines.base import (
    LanguagePair,
    TextSegment,
    TranslatorBase,
    TranslatorInfo,
    batches,
    price_per_word,
)
from jobs.translation.engines.upstream import request_json

NAME = "openai"
# Languages large models translate well, unless HARK_TRANSLATION_OPENAI_LANGUAGES says.
LANGUAGES: tuple[str, ...] = (
    "en", "ar", "bg", "ca", "cs", "da", "de", "el", "es", "et", "fi", "fr", "he", "hi",
    "hr", "hu", "id", "it", "ja", "ko", "lt", "lv", "ms", "nb", "nl", "pl", "pt", "ro",
    "ru", "sk", "sl", "sr", "sv", "th", "tr", "uk", "vi", "zh",
)  # fmt: skip
ATTEMPTS = 2
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)
_PROMPT = """\
You translate segments of a transcript from {source} to {target}.
The user sends JSON: {{"source": "{source_code}", "target": "{target_code}", \
"segments": [{{"id": "...", "text": "..."}}]}}.
Reply with JSON only, in this shape: {{"translations": [{{"id": "...", "text": "..."}}]}}.
Give exactly one translation for every segment, with the segment's id, in the same order.
Translate each segment on its own: never merge, split, drop or add segments, even when a
sentence runs on into the next segment. Keep names and numbers; translate every segment,
however short, and write only the translation."""


class BadAnswer(Exception):
    """An answer that does not match the segments sent; ``str()`` says how."""


class OpenAIChatTranslator(TranslatorBase):
    @classmethod
    def describe(cls) -> TranslatorInfo:
        model = settings.HARK_TRANSLATION_OPENAI_MODEL or "a chat model"
        return TranslatorInfo(
            name=NAME,
            label=f"{model} (OpenAI-compatible)",
            price_per_word=price_per_word(NAME),
            quality_rank=3,
            speed_rank=2,
            notes=f"Translated by {model}, a large language model: fluent, many languages.",
        )

    @classmethod
    def unavailable_reason(cls) -> str | None:
        if not (
            settings.HARK_TRANSLATION_OPENAI_BASE_URL and settings.HARK_TRANSLATION_OPENAI_MODEL
        ):
            return (
                "Set HARK_TRANSLATION_OPENAI_BASE_URL, HARK_TRANSLATION_OPENAI_MODEL and "
                "(unless the server takes none) HARK_TRANSLATION_OPENAI_API_KEY."
            )
        return None

    @classmethod
    def pairs(cls) -> frozenset[LanguagePair]:
        if not cls.available():
            return frozenset()
        languages = settings.HARK_TRANSLATION_OPENAI_LANGUAGES or LANGUAGES
        return frozenset(permutations(languages, 2))

    def translate(self, segments: Sequence[TextSegment], source: str, target: str) -> list[str]:
        """One request per batch of segments (``HARK_TRANSLATION_OPENAI_BATCH_SEGMENTS``
        and ``_BATCH_CHARS``); empty segments are not sent."""
        self.check(segments, source, target)
        if source == target:
            return [segment.text for segment in segments]
        translated: dict[str, str] = {}
        to_do = [s for s in segments if s.text.strip()]
        for batch in batches(
            to_do,
            max_segments=settings.HARK_TRANSLATION_OPENAI_BATCH_SEGMENTS,
            max_chars=settings.HARK_TRANSLATION_OPENAI_BATCH_CHARS,
        ):
            translated.update(_translate_batch(batch, source, target))
        return [translated.get(segment.id, "") for segment in segments]


def _translate_batch(batch: list[TextSegment], source: str, target: str) -> dict[str, str]:
    problem = ""
    for _attempt in range(ATTEMPTS):
        content = _ask(batch, source, target)
        try:
            return _read(content, batch)
        except BadAnswer as exc:
            problem = str(exc)
    raise ProviderError(
        f"The {NAME} translation service sent translations that did not match the segments, twice.",
        detail=problem,
    )


def _ask(batch: list[TextSegment], source: str, target: str) -> str:
    prompt = _PROMPT.format(
        source=language_name(source),
        target=language_name(target),
        source_code=source,
        target_code=target,
    )
    user = {
        "source": source,
        "target": target,
        "segments": [{"id": s.id, "text": s.text} for s in batch],
    }
    body: dict[str, Any] = {
        "model": settings.HARK_TRANSLATION_OPENAI_MODEL,
        "messages": [
            {"role": "system", "content": prompt},
            {"role": "user", "content": json.dumps(user, ensure_ascii=False)},
        ],
        "temperature": 0,
    }
    if settings.HARK_TRANSLATION_OPENAI_JSON_MODE:
        body["response_format"] = {"type": "json_object"}
    headers = {}
    if settings.HARK_TRANSLATION_OPENAI_API_KEY:
        headers["Authorization"] = f"Bearer {settings.HARK_TRANSLATION_OPENAI_API_KEY}"
    url = settings.HARK_TRANSLATION_OPENAI_BASE_URL.rstrip("/") + "/chat/completions"
    data = request_json("POST", url, provider=NAME, payload=body, headers=headers)
    try:
        content = data["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        content = None
    # A refusal or a cut-off answer has no content; the model may do better next time.
    return content if isinstance(content, str) else ""


def _read(content: str, batch: list[TextSegment]) -> dict[str, str]:
    """The translations by id, when they are exactly one non-empty text per segment."""
    text = content.strip()
    fenced = _FENCE.match(text)  # some models wrap JSON in a Markdown fence regardless
    if fenced:
        text = fenced.group(1)
    try:
        data = json.loads(text)
    except ValueError:
        raise BadAnswer(f"not JSON: {content[:200]!r}") from None
    items = data.get("translations") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise BadAnswer("no list of translations")
    expected = {s.id for s in batch}
    found: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise BadAnswer(f"an entry without text: {item!r:.200}")
        key = str(item.get("id"))
        if key not in expected:
            raise BadAnswer(f"an id that was not sent: {key!r:.50}")
        if key in found:
            raise BadAnswer(f"id {key!r:.50} twice")
        if not item["text"].strip():
            # Two segments merged into one leave the other empty (or missing).
            raise BadAnswer(f"segment {key!r:.50} translated as nothing")
        found[key] = item["text"].strip()
    missing = expected - found.keys()
    if missing:
        raise BadAnswer(f"{len(missing)} of {len(batch)} segments missing")
    return found
