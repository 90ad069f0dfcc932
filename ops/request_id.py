"""Request ids: one per request, taken from ``X-Request-ID`` when it is sensible, and
carried into the tasks the request enqueues, so a job's log lines in the worker carry the
id of the request that submitted it.

The id lives in a context variable: a thread (runserver, gunicorn threads) or an asyncio
task each see their own, and the logging filter reads it without the request at hand.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar, Token
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # Only for hints: settings import this module (through ops.logs) before Django is set up.
    from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
# Proxies and clients send UUIDs, hex strings or "<host>-<counter>"-style ids; anything
# else (spaces, quotes, newlines, very long values) could forge or break log lines.
_VALID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:@/+=-]{0,127}")

_current: ContextVar[str | None] = ContextVar("hark_request_id", default=None)


def current_request_id() -> str | None:
    return _current.get()


def request_id_new() -> str:
    return uuid.uuid4().hex


def request_id_accept(raw: str | None) -> str:
    """The client's id when it is a plain token of at most 128 characters, else a new one."""
    if raw and _VALID.fullmatch(raw):
        return raw
    return request_id_new()


def request_id_enter(request_id: str | None) -> Token[str | None]:
    """From here on, log lines carry ``request_id``; ``request_id_exit`` undoes it."""
    return _current.set(request_id)


def request_id_exit(token: Token[str | None]) -> None:
    _current.reset(token)


@contextmanager
def request_id_bound(request_id: str | None) -> Iterator[None]:
    """Every log line written inside carries ``request_id``."""
    token = request_id_enter(request_id)
    try:
        yield
    finally:
        request_id_exit(token)


class RequestIdMiddleware:
    """First in the chain, so every later middleware's log lines carry the id too."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_accept(request.headers.get(HEADER))
        request.request_id = request_id  # type: ignore[attr-defined]
        with request_id_bound(request_id):
            response = self.get_response(request)
        response[HEADER] = request_id
        return response
