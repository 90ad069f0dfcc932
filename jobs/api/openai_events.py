"""OpenAI's transcription stream (``stream=true``) as server-sent events: what
``jobs.api.openai_compat`` sends and its OpenAPI example shows."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

# Sent while a worker transcribes, so a client's read timeout never fires.
KEEPALIVE_COMMENT = ": transcribing\n\n"


def sse_event(body: dict[str, Any]) -> str:
    return f"data: {json.dumps(body)}\n\n"


def text_events(text: str) -> Iterator[str]:
    """A finished transcript: its words as deltas (one each), then ``transcript.text.done``."""
    for word in text.split():
        yield sse_event({"type": "transcript.text.delta", "delta": word + " "})
    yield sse_event({"type": "transcript.text.done", "text": text})
