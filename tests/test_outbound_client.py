"""lib.outbound's client against real loopback servers: pinning, redirects, proxies,
timeouts and size caps. Loopback is refused by design, so these tests allow 127.0.0.0/8
(HARK_OUTBOUND_ALLOWED_NETWORKS) except where they prove a refusal."""

from __future__ import annotations

import socket
import ssl
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from lib.outbound import OutboundRefused, fetch, stream
from tests.webhook_receiver import Reply, receiving


@pytest.fixture
def loopback_allowed(settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]


def only_loopback(host, port):
    """DNS for names that exist nowhere else: the request can only succeed if the
    connection goes to the address the guard vetted."""
    assert host.endswith(".test")
    return ["127.0.0.1"]


def test_a_request_connects_to_the_vetted_address_and_keeps_the_host_name(loopback_allowed):
    with receiving([Reply(200, b"pinned")]) as receiver:
        result = fetch(f"http://receiver.test:{receiver.port}/hook", resolver=only_loopback)
    assert result.status_code == 200
    assert result.content == b"pinned"
    assert receiver.requests[0].headers["host"] == f"receiver.test:{receiver.port}"


def test_loopback_is_refused_without_the_allow_list():
    with receiving() as receiver:
        with pytest.raises(OutboundRefused):
            fetch(receiver.url())
        assert receiver.requests == []


def test_redirects_are_not_followed_unless_asked(loopback_allowed):
    with receiving([Reply(302, b"", {"Location": "/elsewhere"})]) as receiver:
        result = fetch(receiver.url())
    assert result.status_code == 302
    assert [r.path for r in receiver.requests] == ["/hook"]


def test_a_relative_redirect_is_followed_under_the_name_not_the_ip(loopback_allowed):
    script = [Reply(302, b"", {"Location": "/second"}), Reply(200, b"there")]
    with receiving(script) as receiver:
        result = fetch(
            f"http://receiver.test:{receiver.port}/first",
            follow_redirects=True,
            resolver=only_loopback,
        )
    assert result.content == b"there"
    assert result.url == f"http://receiver.test:{receiver.port}/second"
    assert [r.headers["host"] for r in receiver.requests] == [f"receiver.test:{receiver.port}"] * 2


@pytest.mark.parametrize(
    "target",
    ["http://169.254.169.254/latest/meta-data/", "http://10.0.0.7/", "http://[::ffff:10.0.0.7]/"],
)
def test_every_redirect_followed_is_vetted_again(settings, target):
    # Only the first server's own address is allowed; where it redirects is not.
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with (
        receiving([Reply(302, b"", {"Location": target})]) as receiver,
        pytest.raises(OutboundRefused) as refused,
    ):
        fetch(receiver.url(), follow_redirects=True)
    assert len(receiver.requests) == 1
    assert "public internet addresses" in refused.value.message


def test_a_redirect_to_another_loopback_address_outside_the_allow_list_is_refused(settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.1/32"]
    with receiving() as target:
        elsewhere = Reply(307, b"", {"Location": f"http://127.0.0.2:{target.port}/"})
        with (
            receiving([elsewhere]) as first,
            pytest.raises(OutboundRefused),
            stream(first.url()) as response,
        ):
            response.read()
        assert len(first.requests) == 1
        assert target.requests == []


def test_proxy_environment_variables_are_ignored(loopback_allowed, monkeypatch):
    with receiving([Reply(200, b"proxy")]) as proxy, receiving([Reply(200, b"direct")]) as target:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
            monkeypatch.setenv(name, proxy.url("/"))
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        result = fetch(target.url())
    assert result.content == b"direct"
    assert proxy.requests == []


def test_a_slow_server_times_out(loopback_allowed):
    with receiving([Reply(200, b"late", delay=5)]) as receiver:
        started = time.monotonic()
        with pytest.raises(httpx.TimeoutException):
            fetch(receiver.url(), timeout=0.5)
        assert time.monotonic() - started < 2


def test_fetch_reads_at_most_max_bytes(loopback_allowed):
    with receiving([Reply(200, b"x" * 10_000)]) as receiver:
        result = fetch(receiver.url(), max_bytes=100)
    assert result.content == b"x" * 100
    assert result.truncated


def test_stream_follows_vetted_redirects_for_downloads(loopback_allowed):
    script = [Reply(301, b"", {"Location": "/media.mp3"}), Reply(200, b"ID3" + b"\0" * 500)]
    with receiving(script) as receiver, stream(receiver.url("/start")) as response:
        body = b"".join(response.iter_bytes())
    assert response.status_code == 200
    assert body.startswith(b"ID3")
    assert [r.path for r in receiver.requests] == ["/start", "/media.mp3"]


@pytest.fixture
def tls_server(tmp_path):
    """A TLS server with a self-signed certificate that records the SNI name it is asked for."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=other.test", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    seen: list[str | None] = []
    context.sni_callback = lambda sock, name, ctx: seen.append(name)
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        try:
            conn, _ = listener.accept()
            with context.wrap_socket(conn, server_side=True) as tls:
                tls.recv(1)
        except (OSError, ssl.SSLError):
            pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], seen
    listener.close()


def test_tls_keeps_the_name_for_sni_and_the_certificate_check(loopback_allowed, tls_server):
    port, seen = tls_server
    with pytest.raises(httpx.ConnectError) as failed:
        fetch(f"https://receiver.test:{port}/hook", resolver=only_loopback, timeout=3)
    # The server was asked for the name, not the IP, and its certificate (for another
    # name, self-signed) was checked and rejected.
    assert seen == ["receiver.test"]
    assert "CERTIFICATE_VERIFY_FAILED" in str(failed.value)


def test_ipv6_addresses_are_pinned_too(settings):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["::1/128"]

    class Server(ThreadingHTTPServer):
        address_family = socket.AF_INET6

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = self.headers["Host"].encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    try:
        server = Server(("::1", 0), Handler)
    except OSError:
        pytest.skip("no IPv6 loopback here")
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    port = server.server_address[1]
    try:
        assert fetch(f"http://[::1]:{port}/").content == f"[::1]:{port}".encode()
        named = fetch(f"http://six.test:{port}/", resolver=lambda host, p: ["::1"])
        assert named.content == f"six.test:{port}".encode()
    finally:
        server.shutdown()
        server.server_close()


class _HugeRedirect(BaseHTTPRequestHandler):
    """/start answers 302 with a 256 MB body; /final answers 200. Counts bytes sent."""

    sent = 0
    size = 256 * 1024 * 1024

    def do_GET(self):
        if self.path == "/final":
            self.send_response(200)
            self.send_header("Content-Length", "4")
            self.end_headers()
            self.wfile.write(b"done")
            return
        self.send_response(302)
        self.send_header("Location", "/final")
        self.send_header("Content-Length", str(self.size))
        self.end_headers()
        block = b"x" * 65536
        try:
            for _ in range(self.size // len(block)):
                self.wfile.write(block)
                type(self).sent += len(block)
        except OSError:  # the client hung up, as it should
            pass

    def log_message(self, *args):
        pass


def test_a_redirects_body_is_not_read_past_a_small_cap(loopback_allowed):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HugeRedirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/start"
        with stream(url) as response:
            body = b"".join(response.iter_bytes())
        result = fetch(url, follow_redirects=True)
    finally:
        server.shutdown()
        server.server_close()
    assert (response.status_code, body, result.content) == (200, b"done", b"done")
    # What the sockets' buffers took before the client hung up, not the 2 x 256 MB sent.
    assert _HugeRedirect.sent < 64 * 1024 * 1024
