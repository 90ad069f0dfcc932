"""Template filters for pages outside ``jobs`` that show engines (the pricing page):
billing knows engines by name only, and people should read their labels."""

from __future__ import annotations

from django import template

from jobs.pages.views import engine_label as _engine_label

register = template.Library()


@register.filter
def engine_label(name: str) -> str:
    """``"whisper"`` → ``"Whisper base (multilingual, on this server)"``."""
    return _engine_label(name)
