"""The front page anonymous visitors land on: what Hark does, the engines and languages
this installation really offers (from the engine registry) and what they cost (from
billing's prices), with the way to sign up."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from billing.pricing import price_per_minute
from jobs.engines import enabled_engines
from jobs.exporters import EXPORTERS
from jobs.languages import language_name


@dataclass(frozen=True)
class EngineOffer:
    label: str
    notes: str
    languages: list[str]
    detects_language: bool
    diarization: bool
    per_minute: Decimal


def engine_offers() -> list[EngineOffer]:
    """Every engine this installation can serve now, with its languages by name."""
    return [
        EngineOffer(
            label=info.label,
            notes=info.notes,
            languages=sorted(language_name(code) for code in info.languages),
            detects_language=info.detects_language,
            diarization=info.diarization,
            per_minute=price_per_minute(info.name),
        )
        for info in enabled_engines()
    ]


def front_page(request: HttpRequest) -> HttpResponse:
    offers = engine_offers()
    languages = sorted({name for offer in offers for name in offer.languages})
    return render(
        request,
        "front.html",
        {
            "offers": offers,
            "languages": languages,
            "cheapest": min((offer.per_minute for offer in offers), default=None),
            "signup_grant": settings.HARK_SIGNUP_GRANT,
            "formats": [exporter.label for exporter in EXPORTERS.values()],
        },
    )
