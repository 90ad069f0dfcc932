"""Admin list columns that show numbers the way the pages do: credits as ``30.01`` not
``30.0000625``, durations as ``1:05`` and short timings as ``0.42 s``."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.contrib import admin

from billing.pricing import format_credits
from jobs.pages.formatting import duration_label


def _column(field: str, description: str, show: Callable[[Any], str]) -> Callable[[Any], str]:
    @admin.display(description=description, ordering=field)
    def column(obj: Any) -> str:
        value = getattr(obj, field)
        return "—" if value is None else show(value)

    column.__name__ = f"{field}_shown"
    return column


def credits_column(field: str, description: str) -> Callable[[Any], str]:
    return _column(field, description, lambda value: format_credits(Decimal(str(value))))


def duration_column(field: str, description: str) -> Callable[[Any], str]:
    """A length of audio: ``0:11``, ``1:02:03``."""
    return _column(field, description, lambda value: duration_label(float(value)))


def seconds_column(field: str, description: str) -> Callable[[Any], str]:
    """A short timing or a point in the media: ``0.42 s``, ``30.0 s``."""
    return _column(
        field,
        description,
        lambda value: f"{float(value):.2f} s" if value < 10 else f"{value:.1f} s",
    )
