"""One way to show numbers on every page: ``{% load hark_format %}``.

``{{ amount|credits }}`` → "1 credit", "1,234.5 credits"; ``{{ amount|credit_amount }}`` the
number alone (table cells under a "Credits" heading); ``{{ value|number }}`` any other
number (``number:"2"`` two decimals, ``number:"-2"`` two unless whole, as floatformat);
``{{ seconds|duration }}`` → "1:05". Separators and grouping are the reader's locale's
(``config.number_locale``: "1.234,5" for a German browser).

``{% local_time when "datetime" %}`` shows a moment in the reader's own locale and time
zone: the server writes it in UTC as the no-JavaScript fallback, marked for
static/hark/local-time.js to rewrite with the browser's ``Intl.DateTimeFormat``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.html import format_html
from django.utils.safestring import SafeString

from billing.pricing import format_credits
from config.number_locale import number_text
from jobs.pages.formatting import duration_label

register = template.Library()


@register.filter
def credit_amount(amount: Decimal | float | int | str | None) -> str:
    """Up to two decimals, none when whole, digits grouped: ``1,234.5``."""
    if amount is None or amount == "":
        return ""
    # billing's rounding and trailing-zero rule, then the locale's separators.
    text = format_credits(Decimal(str(amount)))
    return number_text(Decimal(text), len(text.partition(".")[2]))


@register.filter
def number(value: Decimal | float | int | str | None, places: str = "0") -> str:
    """``1234`` → "1,234"; ``places`` "2": two decimals; "-2": two unless the value is
    whole (floatformat's rule), in the reader's locale."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    decimals = abs(int(places))
    rounded = round(amount, decimals)
    if int(places) < 0 and rounded == rounded.to_integral_value():
        decimals = 0
    return number_text(rounded, decimals)


@register.filter
def credits(amount: Decimal | float | int | str | None) -> str:
    """An amount with its unit, singular only for exactly one: ``1 credit``, ``0.5 credits``."""
    if amount is None or amount == "":
        return ""
    unit = "credit" if Decimal(str(amount)) == 1 else "credits"
    return f"{credit_amount(amount)} {unit}"


@register.filter
def duration(seconds: float | str | None) -> str:
    """A length of audio as people read it: ``0:11``, ``1:02:03``; "" when unknown."""
    if seconds is None or seconds == "":
        return ""
    return duration_label(float(seconds))


# Kinds local-time.js knows, with the server's UTC fallback (Django date formats).
LOCAL_TIME_FALLBACKS = {
    "datetime": "j M Y, H:i",
    "date": "j M Y",
    "time": "H:i",
    "seconds": "j M Y, H:i:s",
    "clock": "H:i:s",
    "relative": "",  # "3 minutes ago", with the full date-time in the title
}


@register.simple_tag
def local_time(
    when: datetime | date | None, kind: str = "datetime", fallback: str = "", suffix: str = ""
) -> SafeString | str:
    """``<time datetime="…" data-local="kind">`` around ``when`` written in UTC with
    ``fallback`` (a Django date format; the kind's own by default) and ``suffix`` (" UTC"
    where the reader must know the zone): local-time.js replaces the text, suffix included,
    with the browser's locale and zone."""
    if when is None:
        return ""
    if kind not in LOCAL_TIME_FALLBACKS:
        raise template.TemplateSyntaxError(f"local_time: unknown kind {kind!r}")
    if isinstance(when, datetime) and timezone.is_aware(when):
        when = timezone.localtime(when)
    iso = when.isoformat()
    title = date_format(when, "j M Y, H:i e") if isinstance(when, datetime) else ""
    if kind == "relative":
        if not isinstance(when, datetime):
            raise template.TemplateSyntaxError("local_time: a relative time needs a datetime")
        text = str(naturaltime(when))
    else:
        text = date_format(when, fallback or LOCAL_TIME_FALLBACKS[kind]) + suffix
    if title:
        return format_html(
            '<time datetime="{}" data-local="{}" title="{}">{}</time>', iso, kind, title, text
        )
    return format_html('<time datetime="{}" data-local="{}">{}</time>', iso, kind, text)
