"""Log lines that say which request (or the task it enqueued) wrote them, as text for a
terminal or as one JSON object a line for a log collector (``HARK_LOG_FORMAT``).

Imported by the settings module, so nothing here may need Django to be set up.
"""

from __future__ import annotations

import logging
from typing import Any

from ops.request_id import current_request_id

FORMATS = ("text", "json")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(request_id)s %(message)s"


class RequestIdFilter(logging.Filter):
    """Gives every record a ``request_id``: the current request's or task's, else "-"."""

    def filter(self, record: logging.LogRecord) -> bool:
        # Django logs 4xx/5xx responses ("Not Found: /x") after the middleware chain has
        # returned, with the request attached to the record: its id is there.
        request = getattr(record, "request", None)
        record.request_id = current_request_id() or getattr(request, "request_id", None) or "-"
        return True


def logging_config(*, level: str, log_format: str) -> dict[str, Any]:
    """Django's ``LOGGING``: one console handler for everything, request ids included."""
    if log_format not in FORMATS:
        raise ValueError(f"HARK_LOG_FORMAT is text or json, not {log_format!r}.")
    formatters: dict[str, dict[str, Any]] = {
        "text": {"format": TEXT_FORMAT},
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        # On the handler, not a logger: records propagated from every logger (django-q2's
        # included) pass through it.
        "filters": {"request_id": {"()": "ops.logs.RequestIdFilter"}},
        "formatters": {log_format: formatters[log_format]},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "filters": ["request_id"],
                "formatter": log_format,
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            # runserver's access lines: ours, so they too are JSON when asked.
            "django.server": {"handlers": ["console"], "level": "INFO", "propagate": False},
            # WeasyPrint narrates every step of every PDF export at INFO.
            "weasyprint.progress": {"level": "WARNING"},
        },
    }
