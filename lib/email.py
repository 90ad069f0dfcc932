"""Branded emails: one base layout, a plain-text and an HTML part, one way to send.

Every email Hark sends (invitations, password resets, low balance, a disabled webhook
endpoint) is ``templates/emails/<name>/subject.txt``, ``body.txt`` and ``body.html``;
the bodies extend ``emails/base.txt`` and ``emails/base.html``. Links are absolute,
built from ``HARK_PUBLIC_URL`` (or the request's own address while one is at hand), so
a mail never shows the raw host and port a worker happens to run on.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)


def site_url(request: HttpRequest | None = None) -> str:
    """Where people reach this installation: HARK_PUBLIC_URL, else the request's host,
    else "" (links then become paths, and the text names the page instead)."""
    configured: str = settings.HARK_PUBLIC_URL
    if configured:
        return configured
    if request is not None:
        return request.build_absolute_uri("/").rstrip("/")
    return ""


def absolute_url(path: str, request: HttpRequest | None = None) -> str:
    return f"{site_url(request)}{path}"


def email_render(
    name: str, *, to: Sequence[str], context: Mapping[str, Any], base_url: str = ""
) -> EmailMultiAlternatives:
    """The email ``name`` for ``to``: plain text with the HTML as its alternative."""
    full_context = {
        "site_name": settings.HARK_SITE_NAME,
        "site_url": base_url or site_url(),
        **context,
    }
    subject = render_to_string(f"emails/{name}/subject.txt", full_context)
    text = render_to_string(f"emails/{name}/body.txt", full_context).strip() + "\n"
    html = render_to_string(f"emails/{name}/body.html", full_context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=list(to))
    message.attach_alternative(html, "text/html")
    return message


def email_send(
    name: str,
    *,
    to: Sequence[str],
    context: Mapping[str, Any],
    base_url: str = "",
    fail_silently: bool = False,
) -> int:
    """Render and send; with ``fail_silently`` a mail server that is down is logged and
    0 returned, for notices that must never fail the work that triggered them."""
    if not to:
        return 0
    message = email_render(name, to=to, context=context, base_url=base_url)
    try:
        return message.send()
    except Exception:
        if not fail_silently:
            raise
        logger.exception("could not send the %s email to %d recipients", name, len(to))
        return 0
