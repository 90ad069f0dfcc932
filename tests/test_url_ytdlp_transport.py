"""yt-dlp's own requests go through the SSRF guard (``lib.ytdlp_transport``): the one
request handler it may use, pinned to the vetted address, every redirect vetted, each
response capped and the whole extraction bounded in time.

Sites are real loopback servers, reached under the name ``tube.test`` where pinning is
the point: DNS for a name that exists nowhere else is the one thing replaced."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from yt_dlp.networking.common import Request
from yt_dlp.networking.exceptions import (
    HTTPError,
    NoSupportingHandlers,
    TransportError,
    UnsupportedRequest,
)

from jobs.models import JobStatus
from jobs.services import url_intake
from lib import outbound
from lib.ytdlp_transport import GuardedYoutubeDL, HarkOutboundRH, RequestRefused
from tests.support.url_jobs import assert_failed_uncharged, fetched, tube_site
from tests.upstreams.loopback import Fault, Reply
from tests.upstreams.media import MediaHost
from tests.upstreams.tube import LoopbackTubeIE

pytestmark = pytest.mark.django_db(transaction=True)
NAME = "tube.test"
REBOUND = "127.0.0.2"  # where the name points once it has been vetted
TUBE = "tests.upstreams.tube.LoopbackTubeIE"
NAMED_TUBE = "tests.test_url_ytdlp_transport.NamedTubeIE"


class NamedTubeIE(LoopbackTubeIE):
    """The loopback video site under a host name rather than an IP address."""

    IE_NAME = "namedtube"
    _VALID_URL = r"https?://tube\.test:\d+/watch\?v=(?P<id>[\w-]+)"


@pytest.fixture
def host():
    with MediaHost().running() as server:
        yield server


def port_of(server: MediaHost) -> int:
    return int(server.url.rsplit(":", 1)[1])


@pytest.fixture
def rebinding_dns(monkeypatch):
    """``tube.test`` as an attacker who rebinds it would have DNS answer: the guard's
    lookup gets the site (127.0.0.1); any later lookup, which is what a connection that
    is not pinned makes, gets 127.0.0.2 instead."""
    system_resolver = outbound._system_resolver
    getaddrinfo = socket.getaddrinfo

    def guard_lookup(name: str, port: int) -> list[str]:
        return ["127.0.0.1"] if name == NAME else list(system_resolver(name, port))

    def connect_lookup(name: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        return getaddrinfo(REBOUND if name == NAME else name, port, *args, **kwargs)

    monkeypatch.setattr(outbound, "_system_resolver", guard_lookup)
    monkeypatch.setattr(socket, "getaddrinfo", connect_lookup)


@contextmanager
def listening(address: str, port: int) -> Iterator[list[str]]:
    """An HTTP server at ``address:port`` that records the paths asked of it."""
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            asked.append(self.path)
            body = b'{"title": "rebound", "duration": 1, "audio_path": "/x"}'
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer((address, port), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield asked
    finally:
        server.shutdown()
        server.server_close()


# --- Through the API -------------------------------------------------------------------


def test_a_sites_page_is_read_through_the_guard_pinned_to_the_address_it_vetted(
    settings, host, alice, rebinding_dns
):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.HARK_URL_EXTRACTORS = [NAMED_TUBE]
    tube_site(host)
    port = port_of(host)
    page = f"http://{NAME}:{port}/watch?v=jfk1961"

    with listening(REBOUND, port) as rebound:
        job = fetched(alice, page)

    assert job.status == JobStatus.QUEUED
    assert (job.source_url, job.original_filename) == (page, "Inaugural address.mp3")
    # yt-dlp's API call and Hark's media download both reached the vetted address, under
    # the name; nothing went where the name pointed afterwards.
    assert [r.path for r in host.requests] == ["/api/videos/jfk1961", "/media/jfk1961"]
    assert {r.headers["host"] for r in host.requests} == {f"{NAME}:{port}"}
    assert rebound == []


def test_a_sites_redirect_to_a_private_address_is_refused_with_nothing_charged(
    settings, host, alice, isolated_media
):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.HARK_URL_EXTRACTORS = [TUBE]
    page = tube_site(host)
    host.serve("/api/videos/jfk1961", Reply(302, b"", {
        "Location": "http://169.254.169.254/latest/meta-data/"
    }))  # fmt: skip

    job = fetched(alice, page)

    assert_failed_uncharged(job, "is a cloud metadata service", alice, isolated_media)
    assert job.error_message.startswith("This URL cannot be fetched.")
    assert [r.path for r in host.requests] == ["/api/videos/jfk1961"]


def test_a_sites_redirect_to_a_loopback_address_outside_the_allow_list_never_reaches_it(
    settings, host, alice, isolated_media
):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    settings.HARK_URL_EXTRACTORS = [TUBE]
    page = tube_site(host)
    port = port_of(host)
    elsewhere = f"http://{REBOUND}:{port}/api/videos/jfk1961"
    host.serve("/api/videos/jfk1961", Reply(307, b"", {"Location": elsewhere}))

    with listening(REBOUND, port) as internal:
        job = fetched(alice, page)

    assert_failed_uncharged(job, "is a loopback address", alice, isolated_media)
    assert internal == []


def test_a_sites_response_over_the_size_cap_is_refused_while_streaming(
    settings, host, alice, isolated_media
):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.HARK_URL_EXTRACTORS = [TUBE]
    settings.HARK_MAX_UPLOAD_MB = 1
    page = tube_site(host)
    host.serve("/api/videos/jfk1961", Reply.json({"title": "x" * 2 * 1024 * 1024}))
    host.fail(Fault.undeclared(path="/api/videos/jfk1961"))

    job = fetched(alice, page)

    assert_failed_uncharged(job, "larger than 1 MB", alice, isolated_media)
    assert [r.path for r in host.requests] == ["/api/videos/jfk1961"]


def test_a_page_is_capped_far_below_the_upload_cap_because_yt_dlp_holds_it_in_memory(
    settings, host, alice, isolated_media, monkeypatch
):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.HARK_URL_EXTRACTORS = [TUBE]
    settings.HARK_MAX_UPLOAD_MB = 500
    monkeypatch.setattr(url_intake, "PAGE_MAX_BYTES", 1024 * 1024)
    page = tube_site(host)
    host.serve("/api/videos/jfk1961", Reply.json({"title": "x" * 2 * 1024 * 1024}))

    job = fetched(alice, page)

    assert_failed_uncharged(job, "larger than 1 MB", alice, isolated_media)


def test_a_site_slower_than_the_deadline_is_abandoned(settings, host, alice, isolated_media):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    settings.HARK_URL_EXTRACTORS = [TUBE]
    settings.HARK_URL_FETCH_SECONDS = 1
    page = tube_site(host)
    host.serve("/api/videos/jfk1961", Reply.json(
        {"title": "x" * 1000, "duration": 11, "audio_path": "/media/jfk1961"}
    ))  # fmt: skip
    host.fail(Fault.drip(0.01, path="/api/videos/jfk1961"))  # about 10 s for the whole body

    job = fetched(alice, page)

    assert_failed_uncharged(job, "took longer than 1 seconds", alice, isolated_media)


# --- The handler -----------------------------------------------------------------------


def guarded(**params: Any) -> GuardedYoutubeDL:
    return GuardedYoutubeDL(
        {"quiet": True, "proxy": "", **params},
        max_bytes=1024 * 1024,
        resolver=lambda name, port: ["127.0.0.1"],
    )


def test_the_guarded_handler_is_the_only_one_yt_dlp_can_use(settings):
    from yt_dlp.networking._urllib import UrllibRH

    from jobs.services.url_intake import _youtube_dl

    # Preferences that would favour another handler change nothing: there is no other.
    with _youtube_dl() as ydl:
        director = ydl._request_director
        assert [type(h) for h in director.handlers.values()] == [HarkOutboundRH]
        with pytest.raises(UnsupportedRequest):
            director.add_handler(UrllibRH(logger=director.logger))
        assert [type(h) for h in director.handlers.values()] == [HarkOutboundRH]


def test_a_request_yt_dlp_wants_sent_through_a_proxy_is_not_sent(settings, host):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with MediaHost().running() as proxy, guarded() as ydl:
        url = host.serve("/page", Reply(200, b"page"))
        with pytest.raises(NoSupportingHandlers):
            ydl.urlopen(Request(url, proxies={"all": proxy.url}))
        assert proxy.requests == []
    assert host.requests == []


def test_a_request_connects_to_the_vetted_address_under_its_name(settings, host):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    host.serve("/page", Reply(200, b"hello"))
    with guarded() as ydl, ydl.urlopen(f"http://{NAME}:{port_of(host)}/page") as response:
        assert response.read() == b"hello"
        assert response.url == f"http://{NAME}:{port_of(host)}/page"
    assert host.requests[0].headers["host"] == f"{NAME}:{port_of(host)}"
    # yt-dlp's own headers go with the request.
    assert host.requests[0].headers["accept-language"] == "en-us,en;q=0.5"


def test_cookies_a_site_sets_are_sent_back_and_redirects_followed_by_name(settings, host):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    host.serve("/start", Reply(302, b"", {"Location": "/end", "Set-Cookie": "consent=yes"}))
    host.serve("/end", Reply(200, b"done"))
    start = f"http://{NAME}:{port_of(host)}/start"
    with guarded() as ydl, ydl.urlopen(start) as response:
        assert response.read() == b"done"
        assert response.url == f"http://{NAME}:{port_of(host)}/end"
    assert [r.path for r in host.requests] == ["/start", "/end"]
    assert host.requests[1].headers["cookie"] == "consent=yes"


def test_network_failures_become_yt_dlps_own_errors(settings, host):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    host.serve("/gone", Reply(404, b"not here"))
    with guarded() as ydl:
        with pytest.raises(HTTPError) as http_error:
            ydl.urlopen(f"{host.url}/gone")
        assert http_error.value.status == 404
        assert http_error.value.response.read() == b"not here"
        http_error.value.close()

        with MediaHost().running() as gone:
            nothing_there = f"{gone.url}/a"
        with pytest.raises(TransportError):
            ydl.urlopen(nothing_there)

        with pytest.raises(RequestRefused) as refused:
            ydl.urlopen(f"http://{REBOUND}:{port_of(host)}/")
        assert "loopback" in refused.value.refusal.message
