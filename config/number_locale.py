"""Numbers on pages in the reader's locale: "1,234.5" in the US, "1.234,5" in Germany,
"1 234,5" in France — as dates already are (static/hark/local-time.js).

The locale is the one the browser asks for (``Accept-Language``), among Django's. Only
numbers follow it: Hark's pages are in English, so the language itself is never
activated (Django's own messages would turn German in an English page). The digits'
separators and grouping come from Django's locale formats, looked up by name.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import get_language_from_request

_locale: ContextVar[str | None] = ContextVar("number_locale", default=None)


class NumberLocaleMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _locale.set(get_language_from_request(request))
        try:
            return self.get_response(request)
        finally:
            _locale.reset(token)


def number_locale() -> str:
    """The locale numbers are written in now: the request's, else the site's."""
    return _locale.get() or settings.LANGUAGE_CODE


def number_text(value: Decimal, decimals: int) -> str:
    """``value`` with ``decimals`` places, digits grouped, in the reader's locale."""
    locale = number_locale()
    return numberformat.format(
        value,
        str(get_format("DECIMAL_SEPARATOR", locale)),
        decimal_pos=decimals,
        grouping=get_format("NUMBER_GROUPING", locale),
        thousand_sep=str(get_format("THOUSAND_SEPARATOR", locale)),
        force_grouping=True,
    )
