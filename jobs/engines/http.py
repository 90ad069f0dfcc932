"""HTTP plumbing shared by the upstream providers: one request with a hard deadline, and
one translation of every way it can fail into a ``ProviderError``.

Upstream base URLs are set by the operator, not by customers, so these requests do not go
through the SSRF guard; they never read proxy variables from the environment
(``trust_env=False``), never follow redirects (a redirect from a speech API is a
misconfiguration, and would carry our key elsewhere), and always have a deadline: httpx's
timeouts bound each read, so an upstream that drips its answer a byte at a time would
otherwise hold a worker for ever.
"""

from __future__ import annotations

import email.utils
import json
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from django.conf import settings

from jobs.engines.base import ProviderError

logger = logging.getLogger(__name__)

# A speech API's JSON answer for a ten-minute chunk is a few hundred kilobytes.
MAX_ANSWER_BYTES = 32 * 1024 * 1024
_CONNECT_SECONDS = 10.0
# Statuses that mean "try again later" rather than "this request is wrong".
TRANSIENT_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 520, 522, 524, 529})


@dataclass(frozen=True)
class Service:
    """How failures name the kind of upstream and its work, for the customer's message."""

    noun: str  # "speech service"
    work: str  # "transcribe this audio"
    subject: str  # "the audio"


SPEECH = Service("speech service", "transcribe this audio", "the audio")


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes

    def json(self, *, provider: str, service: Service = SPEECH) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            # A 200 whose body is not JSON is an upstream having a bad moment (a proxy's
            # error page, a cut connection); worth another try.
            raise ProviderError(
                f"The {provider} {service.noun} sent an answer we could not read.",
                status=self.status,
                detail=self.body[:300].decode("utf-8", "replace"),
            ) from None


def upstream_client(*, timeout: float | None = None) -> httpx.Client:
    seconds = float(timeout or settings.HARK_UPSTREAM_TIMEOUT_SECONDS)
    return httpx.Client(
        trust_env=False,
        follow_redirects=False,
        timeout=httpx.Timeout(seconds, connect=min(_CONNECT_SECONDS, seconds)),
    )


def send(
    client: httpx.Client,
    request: httpx.Request,
    *,
    provider: str,
    deadline: float | None = None,
    service: Service = SPEECH,
) -> Answer:
    """Send ``request`` and read the whole answer within ``deadline`` seconds.

    Raises ``ProviderError``: transient for connection failures, timeouts, a body cut
    short, and 408/429/5xx; permanent for the other 4xx (the request itself is wrong, or
    our credentials are). Returns only 2xx answers.
    """
    budget = float(deadline or settings.HARK_UPSTREAM_TIMEOUT_SECONDS)
    started = time.monotonic()
    try:
        response = client.send(request, stream=True)
        try:
            body = bytearray()
            for piece in response.iter_bytes():
                body += piece
                if len(body) > MAX_ANSWER_BYTES:
                    raise ProviderError(
                        f"The {provider} {service.noun} sent an answer far larger than expected.",
                        status=response.status_code,
                    )
                if time.monotonic() - started > budget:
                    raise _timed_out(provider, budget, service)
        finally:
            response.close()
    except httpx.TimeoutException as exc:
        raise _timed_out(provider, budget, service, detail=repr(exc)) from exc
    except httpx.HTTPError as exc:
        # Connection refused or reset, DNS failure, a body shorter than its
        # Content-Length, a protocol error: all worth another try elsewhere.
        raise ProviderError(
            f"The {provider} {service.noun} could not be reached or broke off its answer.",
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc
    answer = Answer(response.status_code, response.headers, bytes(body))
    if 200 <= answer.status < 300:
        return answer
    raise status_error(provider, answer, service)


def _timed_out(
    provider: str, budget: float, service: Service, *, detail: str = ""
) -> ProviderError:
    return ProviderError(
        f"The {provider} {service.noun} did not answer within {budget:.0f} seconds.",
        detail=detail,
    )


def status_error(provider: str, answer: Answer, service: Service = SPEECH) -> ProviderError:
    """The ProviderError for a non-2xx answer."""
    detail = _error_detail(answer)
    status = answer.status
    retry_after = retry_after_seconds(answer.headers)
    if status in TRANSIENT_STATUSES or status >= 500:
        busy = status in {429, 503, 529}
        return ProviderError(
            f"The {provider} {service.noun} is "
            f"{'busy' if busy else 'having trouble'} (HTTP {status}).",
            status=status,
            retry_after=retry_after,
            detail=detail,
        )
    if status in {401, 403}:
        return ProviderError(
            f"The {provider} {service.noun} refused our credentials. Our team has to fix "
            "this; you have not been charged.",
            permanent=True,
            status=status,
            detail=detail,
        )
    if status == 413:
        return ProviderError(
            f"The {provider} {service.noun} refused {service.subject} as too large.",
            permanent=True,
            status=status,
            detail=detail,
        )
    return ProviderError(
        f"The {provider} {service.noun} could not {service.work}"
        + (f": {detail}" if detail else f" (HTTP {status})."),
        permanent=True,
        status=status,
        detail=detail,
    )


def _error_detail(answer: Answer) -> str:
    """The upstream's own error sentence, from the shapes the big APIs use."""
    try:
        data = json.loads(answer.body)
    except ValueError:
        return answer.body[:200].decode("utf-8", "replace").strip()
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict):  # OpenAI: {"error": {"message": ...}}
            return str(error.get("message") or "")[:500]
        for key in ("message", "err_msg", "error", "detail"):  # Hark, Deepgram, AssemblyAI
            if isinstance(data.get(key), str):
                return str(data[key])[:500]
    return ""


def retry_after_seconds(headers: httpx.Headers) -> float | None:
    """Seconds asked for by ``retry-after-ms`` or ``Retry-After`` (seconds or a date)."""
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
