"""``{{ code|language }}``: a language code as people read it ("es" → "Spanish")."""

from __future__ import annotations

from django import template

from jobs.languages import language_name

register = template.Library()


@register.filter
def language(code: str) -> str:
    return language_name(code or "")
