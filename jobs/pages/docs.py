"""The API quick start and the help page, written against this installation's settings."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from accounts.models import User
from accounts.pages.base import org_render, page_organization, public_base_url
from accounts.permissions import Capability, allowed
from billing.pricing import format_credits, price_per_minute
from billing.stripe.packs import stripe_enabled
from jobs.engines import enabled_engines
from jobs.languages import language_name
from jobs.media.probe import ACCEPTED
from jobs.pages.views import export_formats
from jobs.translation.engines import enabled_translators
from jobs.translation.services.ordering import WORDS_PER_MINUTE
from jobs.translation.services.translators import WHISPER, price_per_word, translator_label


@login_required
def api_quickstart(request: HttpRequest) -> HttpResponse:
    base_url = public_base_url(request)
    return org_render(
        request,
        "docs/api_quickstart.html",
        {"base_url": base_url, "api_url": f"{base_url}/api/v1", "formats": export_formats()},
    )


@login_required
def help_page(request: HttpRequest) -> HttpResponse:
    offered = enabled_engines()
    engines = [
        {
            "info": info,
            "languages": ", ".join(language_name(code) for code in info.languages),
            "price": format_credits(price_per_minute(info.name)),
        }
        for info in offered
    ]
    organization = page_organization(request)
    user = request.user
    assert isinstance(user, User)  # login_required
    return org_render(
        request,
        "docs/help.html",
        {
            "engines": engines,
            # Explain only what the upload form shows: Automatic, Prefer and Fallbacks
            # appear with two engines or more, Translate to English with one that can.
            "several_engines": len(offered) > 1,
            "any_translates": any(info.translation for info in offered),
            "topups": stripe_enabled(),
            "can_top_up": allowed(user, organization, Capability.BILLING_TOPUP),
            "accepted_formats": ACCEPTED,
            "max_upload_mb": settings.HARK_MAX_UPLOAD_MB,
            "max_duration_minutes": settings.HARK_MAX_DURATION_SECONDS // 60,
            "formats": export_formats(),
            "signup_grant": format_credits(settings.HARK_SIGNUP_GRANT),
            "translators": [
                {
                    "label": info.label,
                    "notes": info.notes,
                    "price": format_credits(info.price_per_word),
                }
                for info in enabled_translators()
            ]
            + [
                {
                    "label": translator_label(WHISPER),
                    "notes": "Into English only: it listens to the recording again rather "
                    "than reading the transcript, so its lines have times of their own.",
                    "price": format_credits(price_per_word(WHISPER)),
                }
            ],
            "translation_words_per_minute": WORDS_PER_MINUTE,
        },
    )
