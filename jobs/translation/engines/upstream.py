"""HTTP for the translation upstreams: the speech providers' plumbing (a hard deadline,
no proxies or redirects, every failure a ``ProviderError``), worded for text."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from jobs.engines.http import send, upstream_client
from jobs.translation.engines.base import TEXT


def request_json(
    method: str,
    url: str,
    *,
    provider: str,
    payload: Any = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """The JSON answer to one request; ``ProviderError`` as ``jobs.engines.http.send``
    classifies a failure (429/5xx/timeouts transient, other 4xx permanent)."""
    seconds = float(settings.HARK_TRANSLATION_TIMEOUT_SECONDS)
    with upstream_client(timeout=seconds) as client:
        request = client.build_request(method, url, json=payload, headers=headers or {})
        answer = send(client, request, provider=provider, deadline=seconds, service=TEXT)
    return answer.json(provider=provider, service=TEXT)
