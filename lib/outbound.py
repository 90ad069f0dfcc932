"""The one way Hark makes HTTP requests to URLs that customers give it.

Webhook receivers and media URLs are chosen by customers, so a request to one of them
must never reach the machine it runs on, the private network behind it, or a cloud
metadata service (SSRF). Everything outbound goes through this module:

    vetted = vet_url(url)          # OutboundRefused / OutboundUnresolvable, with a sentence
    vet_url_form(url)              # the same refusals, those that need no DNS lookup
    result = fetch(url, method="POST", content=body, headers=headers, timeout=5)
    with stream(url, follow_redirects=True) as response:   # media downloads
        for chunk in response.iter_bytes(): ...

What the guard does, and why:

* the host may be a name, a canonical IPv4 address or a bracketed IPv6 address; IPv4
  written as one number, in octal or hex, or with parts left out (``2130706433``,
  ``0177.0.0.1``, ``0x7f.1``, ``127.1``) is refused outright, because parsers disagree
  about what such hosts mean;
* a name is resolved and *every* address it resolves to must be allowed, so a name that
  answers with one public and one private address is refused;
* refused: loopback, private, link-local, shared (CGNAT), cloud metadata, multicast,
  unspecified, reserved and otherwise non-global addresses, also when an IPv4 address
  hides inside IPv6 (mapped ``::ffff:a.b.c.d``, compatible ``::a.b.c.d``, 6to4
  ``2002::/16``, NAT64 ``64:ff9b::/96`` and ``64:ff9b:1::/48``);
* the connection is pinned to the vetted address (the request goes to that IP while the
  Host header and TLS SNI/certificate check keep the name), so DNS cannot answer
  differently between the check and the connection (rebinding);
* every request a client sends is vetted again, so each redirect is re-checked;
* proxy environment variables are ignored (``trust_env=False``): a proxy would make the
  connection on our behalf, to an address we never saw.

``HARK_OUTBOUND_ALLOWED_NETWORKS`` (comma-separated CIDRs, empty by default) allows
chosen ranges on self-hosted installs, e.g. ``10.20.0.0/16`` for an internal receiver.
"""

from __future__ import annotations

import ipaddress
import os
import re
import socket
import ssl
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from http.cookiejar import CookieJar
from urllib.parse import urlsplit

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Takes a host name and a port, returns the addresses (as text) it resolves to.
Resolver = Callable[[str, int], Sequence[str]]

DEFAULT_TIMEOUT_SECONDS = 10.0
# Connecting should be quick; a receiver that cannot accept a connection in this long
# will not answer in time either.
MAX_CONNECT_SECONDS = 5.0
RESOLVE_TIMEOUT_SECONDS = 5.0
MAX_REDIRECTS = 5
# Bytes of a redirect's body read before following it (its body is never used).
REDIRECT_BODY_MAX_BYTES = 64 * 1024

_CGNAT = ipaddress.ip_network("100.64.0.0/10")
_IETF_PROTOCOL = ipaddress.ip_network("192.0.0.0/24")  # includes Oracle's 192.0.0.192
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in ("169.254.169.254", "169.254.170.2", "100.100.100.200", "192.0.0.192",
              "fd00:ec2::254")
)  # fmt: skip
_HOST_NAME = re.compile(r"^[a-z0-9_.-]+$")
# getaddrinfo has no timeout of its own; a few threads bound how long a slow DNS server
# can hold a request.
_resolver_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="outbound-dns")


class OutboundError(Exception):
    """An outbound request that could not be made; ``message`` is for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class OutboundRefused(OutboundError):
    """The URL or an address it resolves to is not allowed. Retrying will not help
    unless its DNS changes."""


class OutboundUnresolvable(OutboundError):
    """The host name does not resolve (now). It may later: callers decide."""


@dataclass(frozen=True)
class VettedURL:
    """A URL whose every address passed the guard; requests connect to ``address``."""

    url: str
    scheme: str
    host: str  # ASCII (IDNA) form, as sent in the Host header and TLS SNI
    port: int
    addresses: tuple[IPAddress, ...]

    @property
    def address(self) -> IPAddress:
        return self.addresses[0]


@dataclass(frozen=True)
class FetchResult:
    status_code: int
    headers: httpx.Headers
    content: bytes  # at most ``max_bytes``
    truncated: bool
    url: str  # the final URL, after any redirects followed
    elapsed_seconds: float


# --- The guard -------------------------------------------------------------------------


def allowed_networks() -> tuple[IPNetwork, ...]:
    """The configured exceptions, from Django settings when configured, else the env."""
    raw: Sequence[str]
    try:
        from django.conf import settings

        raw = tuple(settings.HARK_OUTBOUND_ALLOWED_NETWORKS)
    except Exception:  # Django not configured: a plain script using this module
        raw = tuple(os.environ.get("HARK_OUTBOUND_ALLOWED_NETWORKS", "").split(","))
    return _parse_networks(tuple(item.strip() for item in raw if item.strip()))


@lru_cache(maxsize=16)
def _parse_networks(items: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    try:
        return tuple(ipaddress.ip_network(item, strict=False) for item in items)
    except ValueError as exc:
        raise ValueError(f"HARK_OUTBOUND_ALLOWED_NETWORKS: {exc}") from None


def embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, compatible, 6to4, NAT64)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    value = int(address)
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)
    # IPv4-compatible (::a.b.c.d, deprecated): upper 96 bits zero; :: and ::1 are
    # themselves (unspecified, loopback).
    if value >> 32 == 0 and value > 1:
        return ipaddress.IPv4Address(value)
    return None


def address_refusal(address: IPAddress, *, allowed: Sequence[IPNetwork] = ()) -> str | None:
    """Why ``address`` may not be connected to (a phrase), or None when it may."""
    inner = embedded_ipv4(address)
    if any(address in net or (inner is not None and inner in net) for net in allowed):
        return None
    if inner is not None:
        reason = address_refusal(inner)
        return f"{reason} hidden in an IPv6 address" if reason else None
    if address.is_loopback:
        return "a loopback address"
    if address in _METADATA:
        return "a cloud metadata service"
    if address.is_link_local:
        return "a link-local address"
    if address in _CGNAT:
        return "in the shared (carrier-grade NAT) range"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "the unspecified address"
    if address.is_private:
        return "a private network address"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "a site-local address"
    if address.is_reserved or not address.is_global or address in _IETF_PROTOCOL:
        return "not a public internet address"
    return None


def _literal_address(host: str) -> IPAddress | None:
    """The address a host names literally; OutboundRefused for odd IPv4 notations."""
    if not host:
        return None
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            raise OutboundRefused(f"'{host}' is not a valid IPv6 address.") from None
    try:
        return ipaddress.IPv4Address(host)
    except ValueError:
        pass
    try:
        socket.inet_aton(host)
    except OSError:
        return None
    # inet_aton read it as an address, IPv4Address did not: decimal, octal, hex or a
    # shortened form, which different parsers read differently.
    raise OutboundRefused(
        f"'{host}' is an IPv4 address in an unusual notation; write it as four "
        "decimal numbers (a.b.c.d) or use a host name."
    )


def _system_resolver(host: str, port: int) -> Sequence[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def resolve(host: str, port: int, resolver: Resolver | None = None) -> list[IPAddress]:
    """Every address ``host`` resolves to, de-duplicated, in the resolver's order."""
    if resolver is not None:
        raw = list(resolver(host, port))
    else:
        future = _resolver_pool.submit(_system_resolver, host, port)
        try:
            raw = list(future.result(timeout=RESOLVE_TIMEOUT_SECONDS))
        except FutureTimeout:
            raise OutboundUnresolvable(
                f"Looking up '{host}' took longer than {RESOLVE_TIMEOUT_SECONDS:.0f} seconds."
            ) from None
        except (OSError, UnicodeError):
            raise OutboundUnresolvable(f"The host name '{host}' could not be found.") from None
    found: list[IPAddress] = []
    for text in raw:
        # Drop an IPv6 zone (fe80::1%eth0); a zone only appears on link-local addresses.
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if address not in found:
            found.append(address)
    if not found:
        raise OutboundUnresolvable(f"The host name '{host}' has no addresses.")
    return found


def vet_url(url: str, *, resolver: Resolver | None = None) -> VettedURL:
    """Check ``url`` and every address its host resolves to.

    Raises OutboundRefused (not allowed: a sentence saying why) or OutboundUnresolvable
    (the name does not resolve). ``resolver`` replaces DNS, for tests and callers with
    their own resolution.
    """
    parsed, host, port, literal = _url_form(url)
    addresses = [literal] if literal is not None else resolve(host, port, resolver)
    _refuse_disallowed(host, addresses, literal=literal is not None)
    return VettedURL(str(parsed), parsed.scheme, host, port, tuple(addresses))


def vet_url_form(url: str) -> None:
    """What ``vet_url`` can refuse without looking anything up: a scheme other than
    http(s), a malformed host, an address written literally that is not allowed.

    For a web request that hands the fetch to a worker: it answers these at once, while
    a name is resolved (and vetted) only when the worker connects.
    """
    _, host, _, literal = _url_form(url)
    if literal is not None:
        _refuse_disallowed(host, [literal], literal=True)


def _url_form(url: str) -> tuple[httpx.URL, str, int, IPAddress | None]:
    """The parsed URL, its host, port and the address it names literally (if any)."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        # httpx refuses some odd IPv4 forms itself (0177.0.0.1); say why.
        _literal_address(urlsplit(str(url)).hostname or "")
        raise OutboundRefused("This is not a valid URL.") from None
    if parsed.scheme not in {"http", "https"}:
        raise OutboundRefused("Only http:// and https:// URLs are allowed.")
    host = parsed.raw_host.decode("ascii").lower()
    if not host:
        raise OutboundRefused("The URL has no host.")
    if "%" in host:
        raise OutboundRefused(f"'{host}' is not a valid host name.")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    literal = _literal_address(host)
    if literal is None and not _HOST_NAME.match(host):
        raise OutboundRefused(f"'{host}' is not a valid host name.")
    return parsed, host, port, literal


def _refuse_disallowed(host: str, addresses: Sequence[IPAddress], *, literal: bool) -> None:
    allowed = allowed_networks()
    for address in addresses:
        reason = address_refusal(address, allowed=allowed)
        if reason is not None:
            subject = host if literal else f"{host} resolves to {address}, which"
            raise OutboundRefused(
                f"Requests only go to public internet addresses: {subject} is {reason}."
            )


# --- The client ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    # Loading the CA bundle takes ~50 ms; one context per process serves every request.
    return httpx.create_ssl_context()


class PinnedTransport(httpx.BaseTransport):
    """Vets every request (redirects included) and connects to the vetted address.

    The request handed on is a copy whose URL names the vetted IP; the Host header and
    the TLS server name (``sni_hostname``, also used for the certificate check) keep the
    original name. The client keeps the original request, so relative redirects resolve
    against the name, not the IP.
    """

    def __init__(self, *, resolver: Resolver | None = None, verify: bool = True) -> None:
        self._resolver = resolver
        # No keep-alive: a pooled connection is keyed by IP, and two names on one IP
        # must not share a TLS session negotiated for the other's name.
        self._inner = httpx.HTTPTransport(
            verify=_tls_context() if verify else False, trust_env=False, retries=0,
            limits=httpx.Limits(max_keepalive_connections=0),
        )  # fmt: skip

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        vetted = vet_url(str(request.url), resolver=self._resolver)
        extensions = dict(request.extensions)
        if vetted.scheme == "https":
            extensions["sni_hostname"] = vetted.host
        pinned = httpx.Request(
            request.method,
            request.url.copy_with(host=str(vetted.address)),
            headers=request.headers,  # carries Host: <name>
            stream=request.stream,
            extensions=extensions,
        )
        response = self._inner.handle_request(pinned)
        if not response.has_redirect_location or not isinstance(
            response.stream, httpx.SyncByteStream
        ):
            return response
        # httpx reads a redirect's whole body before following it, into memory: a
        # hostile server could send gigabytes with its 302. Nobody needs more than this.
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            stream=_CappedStream(response.stream, REDIRECT_BODY_MAX_BYTES),
            extensions=response.extensions,
        )

    def close(self) -> None:
        self._inner.close()


class _CappedStream(httpx.SyncByteStream):
    """The first ``limit`` bytes of a body; the connection is closed after them."""

    def __init__(self, inner: Iterable[bytes], limit: int) -> None:
        self._inner = inner
        self._limit = limit

    def __iter__(self) -> Iterator[bytes]:
        left = self._limit
        for chunk in self._inner:
            if left <= 0:
                break
            yield chunk[:left]
            left -= len(chunk)

    def close(self) -> None:
        close = getattr(self._inner, "close", None)
        if close is not None:
            close()


def timeouts(seconds: float) -> httpx.Timeout:
    return httpx.Timeout(seconds, connect=min(seconds, MAX_CONNECT_SECONDS))


def outbound_client(
    *,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    follow_redirects: bool = False,
    max_redirects: int = MAX_REDIRECTS,
    resolver: Resolver | None = None,
    cookies: CookieJar | None = None,
) -> httpx.Client:
    """An httpx client whose every request passes the guard; redirects are off unless
    asked for, and each one followed is vetted again. ``cookies``, when given, is the
    jar the client reads and updates (yt-dlp keeps a session's cookies in its own)."""
    return httpx.Client(
        transport=PinnedTransport(resolver=resolver),
        timeout=timeouts(timeout),
        follow_redirects=follow_redirects,
        max_redirects=max_redirects,
        trust_env=False,
        cookies=cookies,
    )


def read_limited(
    response: httpx.Response, *, max_bytes: int, deadline: float
) -> tuple[bytes, bool]:
    """Up to ``max_bytes`` of the body, stopping at ``deadline`` (a monotonic time):
    a receiver that trickles bytes cannot hold a worker past the timeout."""
    body = bytearray()
    for chunk in response.iter_bytes():
        body.extend(chunk)
        if len(body) > max_bytes:
            return bytes(body[:max_bytes]), True
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the response took longer than the timeout")
    return bytes(body), False


def fetch(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    content: bytes | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    follow_redirects: bool = False,
    max_bytes: int = 1024 * 1024,
    resolver: Resolver | None = None,
) -> FetchResult:
    """Send one request through the guard and read at most ``max_bytes`` of the answer.

    Raises OutboundRefused / OutboundUnresolvable (the guard, also for a redirect
    target), or httpx.TimeoutException / httpx.HTTPError (the network).
    """
    started = time.monotonic()
    with (
        outbound_client(
            timeout=timeout, follow_redirects=follow_redirects, resolver=resolver
        ) as client,
        client.stream(method, url, headers=headers, content=content) as response,
    ):
        body, truncated = read_limited(response, max_bytes=max_bytes, deadline=started + timeout)
        return FetchResult(
            status_code=response.status_code,
            headers=response.headers,
            content=body,
            truncated=truncated,
            url=str(response.url),
            elapsed_seconds=time.monotonic() - started,
        )


@contextmanager
def stream(
    url: str,
    *,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    follow_redirects: bool = True,
    max_redirects: int = MAX_REDIRECTS,
    resolver: Resolver | None = None,
) -> Iterator[httpx.Response]:
    """A streamed response through the guard, for downloads (media URLs). Redirects
    are followed by default, each one vetted again. The caller enforces its size cap
    while iterating ``response.iter_bytes()``; ``timeout`` applies to each network
    operation (connect, each read), not to the whole download."""
    with (
        outbound_client(
            timeout=timeout, follow_redirects=follow_redirects,
            max_redirects=max_redirects, resolver=resolver,
        ) as client,
        client.stream(method, url, headers=headers) as response,
    ):  # fmt: skip
        yield response
