"""yt-dlp's requests, made through the SSRF guard.

yt-dlp reads a video site's pages and APIs with its own networking stack (urllib,
requests, curl_cffi, websockets), which resolves names when it connects and follows
redirects wherever they lead: a name that answers differently after Hark vetted it, or
a redirect to a private address, would escape ``lib.outbound``. ``GuardedYoutubeDL``
is a YoutubeDL whose only request handler is ``HarkOutboundRH``, which sends every
request through ``outbound.outbound_client``:

* each request, and each redirect it follows, is vetted and its connection pinned to
  the vetted address (Host and TLS SNI keep the name);
* no proxies, no other transport: a request yt-dlp wants made some other way (a proxy,
  websockets, browser impersonation, legacy TLS) is unsupported and fails;
* every response is capped at ``max_bytes`` while it is read, and all requests together
  stop at ``deadline``.

A refused address ends the extraction (``RequestRefused``: not retried, and not
swallowed by an extractor's optional requests); ``guard_stop`` finds it, or the other
stops, inside the DownloadError yt-dlp wraps errors in.
"""

from __future__ import annotations

import functools
import io
import time
from typing import TYPE_CHECKING, Any

import httpx
import yt_dlp
from yt_dlp.networking.common import RequestDirector, RequestHandler, Response
from yt_dlp.networking.exceptions import (
    CertificateVerifyError,
    HTTPError,
    RequestError,
    SSLError,
    TransportError,
    UnsupportedRequest,
)

from lib import outbound

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer


class GuardStop(RequestError):
    """The guard ended a request. Not a TransportError, so extractors neither retry it
    nor skip past it as an optional request that failed."""


class RequestRefused(GuardStop):
    """The guard refused the URL or an address it resolves to; ``refusal`` says why."""

    def __init__(self, refusal: outbound.OutboundError) -> None:
        super().__init__(refusal.message, cause=refusal)
        self.refusal = refusal


class HostUnresolvable(TransportError):
    """The name does not resolve (now): a network error like any other, which
    extractors may retry."""

    def __init__(self, refusal: outbound.OutboundUnresolvable) -> None:
        super().__init__(refusal.message, cause=refusal)
        self.refusal = refusal


class ResponseTooLarge(GuardStop):
    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"a response from the site was larger than {_megabytes(max_bytes)} MB")
        self.max_bytes = max_bytes


class DeadlinePassed(GuardStop):
    def __init__(self) -> None:
        super().__init__("reading the site took longer than the time allowed")


def guard_stop(exc: BaseException) -> GuardStop | HostUnresolvable | None:
    """The guard's error behind ``exc`` (yt-dlp wraps errors as ExtractorError and
    DownloadError, keeping the original as a cause), or None."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        current = pending.pop()
        if not isinstance(current, BaseException) or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, GuardStop | HostUnresolvable):
            return current
        exc_info = getattr(current, "exc_info", None)
        pending.extend([current.__cause__, current.__context__, getattr(current, "cause", None)])
        if isinstance(exc_info, tuple) and len(exc_info) == 3:
            pending.append(exc_info[1])
    return None


class GuardedYoutubeDL(yt_dlp.YoutubeDL):
    """A YoutubeDL whose requests all go through ``HarkOutboundRH``, and only it."""

    def __init__(
        self,
        params: dict[str, Any],
        *,
        max_bytes: int,
        deadline: float | None = None,
        resolver: outbound.Resolver | None = None,
        auto_init: bool = False,
    ) -> None:
        self._guarded_handler = functools.partial(
            HarkOutboundRH, max_bytes=max_bytes, deadline=deadline, resolver=resolver
        )
        super().__init__(params, auto_init=auto_init)

    def build_request_director(self, handlers: object, preferences: object = None) -> Any:
        # Whatever handlers yt-dlp asks for (those registered: Urllib, Requests,
        # Websockets, CurlCFFI, and preferences among them), it gets the guarded one alone.
        built = super().build_request_director([self._guarded_handler])
        director = GuardedDirector(logger=built.logger, verbose=built.verbose)
        director.handlers.update(built.handlers)
        return director


class GuardedDirector(RequestDirector):
    """Refuses the handlers some extractors add for themselves (abematv's, say)."""

    def add_handler(self, handler: Any) -> None:
        if not isinstance(handler, HarkOutboundRH):
            raise UnsupportedRequest(
                f"{type(handler).__name__} would make requests outside Hark's SSRF guard."
            )
        super().add_handler(handler)


class HarkOutboundRH(RequestHandler):
    """A yt-dlp request handler that makes every request with ``outbound_client``.

    It follows redirects itself, as yt-dlp expects of a handler, one hop at a time, so
    each hop is vetted (by the client's pinned transport) and no redirect body is read.
    """

    RH_NAME = "hark-outbound"
    _SUPPORTED_URL_SCHEMES = ("http", "https")
    _SUPPORTED_PROXY_SCHEMES = ()  # any proxy makes the request unsupported
    _SUPPORTED_FEATURES = ()

    def __init__(
        self,
        *,
        max_bytes: int,
        deadline: float | None = None,
        resolver: outbound.Resolver | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_bytes = max_bytes
        self.deadline = deadline
        self._resolver = resolver
        self._clients: set[httpx.Client] = set()

    def _check_extensions(self, extensions: dict[str, Any]) -> None:
        super()._check_extensions(extensions)
        extensions.pop("cookiejar", None)
        extensions.pop("timeout", None)
        extensions.pop("keep_header_casing", None)
        if extensions.pop("legacy_ssl", None):
            raise UnsupportedRequest("legacy TLS renegotiation is not supported")

    def _remaining_seconds(self) -> float | None:
        if self.deadline is None:
            return None
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise DeadlinePassed()
        return remaining

    def _send(self, request: Any) -> Response:
        timeout = self._calculate_timeout(request)
        remaining = self._remaining_seconds()
        client = outbound.outbound_client(
            timeout=timeout if remaining is None else min(timeout, remaining),
            resolver=self._resolver,
            cookies=self._get_cookiejar(request),
        )
        self._clients.add(client)
        try:
            response = self._follow(client, request)
        except BaseException:
            self._release(client)
            raise
        wrapped = GuardedResponse(response, handler=self, client=client)
        if not 200 <= wrapped.status < 300:
            raise HTTPError(wrapped)
        return wrapped

    def _follow(self, client: httpx.Client, request: Any) -> httpx.Response:
        try:
            outgoing = client.build_request(
                request.method, request.url, headers=self._get_headers(request),
                content=request.data,
            )  # fmt: skip
            for _ in range(outbound.MAX_REDIRECTS + 1):
                self._remaining_seconds()
                response = client.send(outgoing, stream=True)
                if response.next_request is None:
                    return response
                response.close()
                outgoing = response.next_request
        except outbound.OutboundUnresolvable as exc:
            raise HostUnresolvable(exc) from exc
        except outbound.OutboundError as exc:
            raise RequestRefused(exc) from exc
        except httpx.HTTPError as exc:
            raise _transport_error(exc) from exc
        except httpx.StreamError as exc:
            raise RequestError(cause=exc) from exc
        raise GuardStop(f"{request.url} redirects more than {outbound.MAX_REDIRECTS} times")

    def _release(self, client: httpx.Client) -> None:
        self._clients.discard(client)
        client.close()

    def close(self) -> None:
        for client in list(self._clients):
            self._release(client)


class GuardedResponse(Response):
    """An httpx response as yt-dlp's Response, read through the size cap and deadline."""

    def __init__(
        self, response: httpx.Response, *, handler: HarkOutboundRH, client: httpx.Client
    ) -> None:
        body = _CappedBody(response, max_bytes=handler.max_bytes, handler=handler)
        super().__init__(
            fp=body, url=str(response.url), headers={},
            status=response.status_code, reason=response.reason_phrase or None,
        )  # fmt: skip
        # One header line each, as sent (httpx's mapping view joins repeated ones).
        for name, value in response.headers.multi_items():
            self.headers.add_header(name, value)
        self._response = response
        self._handler = handler
        self._client = client

    def read(self, amt: int | None = None) -> bytes:
        try:
            data: bytes = self.fp.read(-1 if amt is None else amt)
        except GuardStop:
            raise
        except httpx.HTTPError as exc:
            raise _transport_error(exc) from exc
        except (httpx.StreamError, OSError) as exc:
            raise TransportError(cause=exc) from exc
        if self.fp.closed:
            self.close()
        return data

    def close(self) -> None:
        self._response.close()
        self._handler._release(self._client)
        super().close()


class _CappedBody(io.RawIOBase):
    """The decoded body of a streamed response, refused past ``max_bytes`` or the
    handler's deadline (a site that trickles bytes cannot hold a worker)."""

    def __init__(
        self, response: httpx.Response, *, max_bytes: int, handler: HarkOutboundRH
    ) -> None:
        super().__init__()
        self._chunks = response.iter_bytes()
        self._pending = memoryview(b"")
        self._received = 0
        self._max_bytes = max_bytes
        self._handler = handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        while not self._pending:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._received += len(chunk)
            if self._received > self._max_bytes:
                raise ResponseTooLarge(self._max_bytes)
            self._handler._remaining_seconds()
            self._pending = memoryview(chunk)
        target = memoryview(buffer).cast("B")
        size = min(len(target), len(self._pending))
        target[:size] = self._pending[:size]
        self._pending = self._pending[size:]
        return size


def _transport_error(exc: httpx.HTTPError) -> TransportError:
    text = str(exc)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return CertificateVerifyError(cause=exc)
    if isinstance(exc, httpx.ConnectError) and "SSL" in text:
        return SSLError(cause=exc)
    if isinstance(exc, httpx.TimeoutException):
        return TransportError("the site did not answer in time", cause=exc)
    return TransportError(cause=exc)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g}"
