"""Hark's web server: gunicorn with threaded workers (``gthread``) over the WSGI app.

Why WSGI threads rather than ASGI: Hark's streaming responses (OpenAI-style SSE, media
Range playback) are synchronous generators, and Django under ASGI collects a synchronous
generator whole before sending it, so nothing would stream. Threads also let a request
that waits (an SSE stream, an OpenAI-style request waiting for its job, a media URL being
fetched) hold a thread rather than a process; gthread's timeout watches the process's
heartbeat, not the length of a request. The README's Scaling notes have the figures.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from gunicorn.app.base import BaseApplication


def server_options(addrport: str) -> dict[str, Any]:
    """Gunicorn's settings for serving on ``addrport`` (``host:port`` or a port)."""
    bind = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
    return {
        "bind": [bind],
        "workers": settings.HARK_WEB_PROCESSES,
        "worker_class": "gthread",
        "threads": settings.HARK_WEB_THREADS,
        # Django is loaded once and the processes forked from it share its memory.
        "preload_app": True,
        # Recycle processes now and then, so a slow leak in a library cannot grow
        # without bound (the worker cluster recycles its processes for the same reason).
        "max_requests": 20_000,
        "max_requests_jitter": 2_000,
        "proc_name": "hark-web",
        "errorlog": "-",
        "loglevel": settings.HARK_LOG_LEVEL.lower(),
        # Gunicorn's control socket sits at one path per user, so two servers on one
        # machine (a test's, a benchmark's) would fight over it; nothing here uses it.
        "control_socket_disable": True,
    }


class HarkServer(BaseApplication):
    """Gunicorn run from inside ``manage.py serve`` (Django is already set up)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        assert self.cfg is not None
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIHandler:
        from django.core.wsgi import get_wsgi_application

        return get_wsgi_application()
