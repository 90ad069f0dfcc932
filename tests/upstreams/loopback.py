"""A real HTTP server on 127.0.0.1 for upstream contract tests, with faults on demand.

Each protocol server (OpenAI-compatible, Deepgram, AssemblyAI) subclasses ``Loopback``
and answers in its provider's documented shape. Tests queue faults, which the next
matching requests suffer instead of the normal answer:

    upstream.fail(Fault.status(500))
    upstream.fail(Fault.rate_limited(retry_after=1))
    upstream.fail(Fault.hang(5))          # answers after 5 s (client timeouts)
    upstream.fail(Fault.drip(0.2))        # the normal answer, one byte every 0.2 s
    upstream.fail(Fault.truncated())      # half the body, then the connection closes
    upstream.fail(Fault.status(413))
    upstream.fail(Fault.stall(gate))      # half the body, the rest once the test opens gate

Every request is recorded (method, path, query, headers, form fields, uploaded files).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    form: dict[str, list[str]] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    at: float = field(default_factory=time.monotonic)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, **headers: str) -> Reply:
        return cls(
            status, json.dumps(data).encode(), {"Content-Type": "application/json", **headers}
        )


@dataclass(eq=False)
class Gate:
    """Where a stalled answer waits for the test: ``reached`` once half the body is
    sent, the rest sent when the test calls ``open`` (events, never the clock)."""

    reached: threading.Event = field(default_factory=threading.Event)
    opened: threading.Event = field(default_factory=threading.Event)
    # How long a forgotten gate may hold the server's thread, so a failing test ends.
    patience: float = 30.0

    def open(self) -> None:
        self.opened.set()


@dataclass(frozen=True)
class Fault:
    kind: str
    code: int = 0
    seconds: float = 0.0
    headers: tuple[tuple[str, str], ...] = ()
    path: str = ""  # only requests whose path starts with this suffer it
    gate: Gate | None = None

    @classmethod
    def status(cls, code: int, *, path: str = "", **headers: str) -> Fault:
        return cls("status", code=code, headers=tuple(headers.items()), path=path)

    @classmethod
    def rate_limited(cls, *, retry_after: float, path: str = "") -> Fault:
        return cls("status", code=429, headers=(("Retry-After", f"{retry_after:g}"),), path=path)

    @classmethod
    def hang(cls, seconds: float, *, path: str = "") -> Fault:
        return cls("hang", seconds=seconds, path=path)

    @classmethod
    def drip(cls, interval: float, *, path: str = "") -> Fault:
        return cls("drip", seconds=interval, path=path)

    @classmethod
    def truncated(cls, *, path: str = "") -> Fault:
        return cls("truncated", path=path)

    @classmethod
    def undeclared(cls, *, path: str = "") -> Fault:
        """The normal answer without a Content-Length: the body ends when the
        connection closes, so its size is known only once it has all arrived."""
        return cls("undeclared", path=path)

    @classmethod
    def stall(cls, gate: Gate, *, path: str = "") -> Fault:
        """The normal answer's headers and half its body, then nothing until the test
        opens ``gate``, then the rest."""
        return cls("stall", path=path, gate=gate)

    @classmethod
    def refused(cls, *, path: str = "") -> Fault:
        """Closes the connection without any answer."""
        return cls("close", path=path)


class Loopback:
    """Subclasses implement ``answer(recorded) -> Reply``."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    # --- what tests use -----------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "start the server first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail(self, *faults: Fault) -> None:
        with self.lock:
            self.faults.extend(faults)

    def requests_to(self, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(path_prefix)]

    @contextmanager
    def running(self) -> Iterator[Self]:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        server.daemon_threads = True
        self._server = server
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)

    # --- what protocol servers implement --------------------------------------------------
    def answer(self, recorded: Recorded) -> Reply:
        raise NotImplementedError

    def fault_reply(self, status: int) -> Reply:
        """An error answer in the provider's own shape (OpenAI's by default)."""
        message = f"injected fault {status}"
        return Reply.json({"error": {"message": message, "type": "fault"}}, status)

    def _next_fault(self, path: str) -> Fault | None:
        with self.lock:
            for index, fault in enumerate(self.faults):
                if path.startswith(fault.path):
                    return self.faults.pop(index)
        return None


def _handler_for(upstream: Loopback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output clean

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def _serve(self) -> None:
            recorded = self._record()
            with upstream.lock:
                upstream.requests.append(recorded)
            fault = upstream._next_fault(recorded.path)
            if fault is not None and fault.kind == "close":
                self.close_connection = True
                return
            if fault is not None and fault.kind == "hang":
                time.sleep(fault.seconds)
            if fault is not None and fault.kind == "status":
                reply = upstream.fault_reply(fault.code)
                reply.headers.update(dict(fault.headers))
            else:
                reply = upstream.answer(recorded)
            self._send(reply, fault)

        def _record(self) -> Recorded:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            split = urlsplit(self.path)
            recorded = Recorded(
                method=self.command,
                path=split.path,
                query=parse_qs(split.query),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            content_type = self.headers.get("Content-Type", "")
            if content_type.startswith("multipart/form-data"):
                _parse_multipart(recorded, content_type)
            return recorded

        def _send(self, reply: Reply, fault: Fault | None) -> None:
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if fault is None or fault.kind != "undeclared":
                self.send_header("Content-Length", str(len(reply.body)))
            if fault is not None and fault.kind in {"truncated", "drip", "undeclared"}:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            try:
                if fault is not None and fault.kind == "truncated":
                    self.wfile.write(reply.body[: len(reply.body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                elif fault is not None and fault.kind == "stall" and fault.gate is not None:
                    half = len(reply.body) // 2
                    self.wfile.write(reply.body[:half])
                    self.wfile.flush()
                    fault.gate.reached.set()
                    fault.gate.opened.wait(fault.gate.patience)
                    self.wfile.write(reply.body[half:])
                elif fault is not None and fault.kind == "drip":
                    for index in range(len(reply.body)):
                        self.wfile.write(reply.body[index : index + 1])
                        self.wfile.flush()
                        time.sleep(fault.seconds)
                else:
                    self.wfile.write(reply.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up, as it should

    return Handler


def _parse_multipart(recorded: Recorded, content_type: str) -> None:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + recorded.body
    )
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename():
            recorded.files[name] = data
        else:
            recorded.form.setdefault(name, []).append(data.decode())
