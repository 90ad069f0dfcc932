"""Reference data: supported languages and models, derived from the engine registry, so
what these endpoints promise is what routing accepts."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from billing.pricing import price_per_minute
from config.api import OrganizationApiView
from jobs.engines import enabled_engines
from jobs.languages import language_catalog
from jobs.model_names import AUTO, model_aliases
from jobs.options import PREFERENCES

LANGUAGES_EXAMPLE = {
    "languages": [
        {"code": "", "name": "Auto-detect", "engines": ["whisper"]},
        {"code": "de", "name": "German", "engines": ["whisper"]},
        {"code": "en", "name": "English", "engines": ["whisper", "local"]},
    ]
}


class LanguageListApi(OrganizationApiView):
    @extend_schema(
        summary="Languages you can transcribe, and which engines serve each",
        description=(
            "The languages the enabled engines offer, named in English. The first entry, "
            '`{"code": "", "name": "Auto-detect"}`, is there when an enabled engine can '
            "detect the language itself; send `language` empty (or leave it out) for that."
        ),
        responses={
            200: OpenApiResponse(
                OpenApiTypes.OBJECT, examples=[OpenApiExample("languages", LANGUAGES_EXAMPLE)]
            )
        },
    )
    def get(self, request: Request) -> Response:
        return Response({"languages": language_catalog(enabled_engines())})


class ModelListApi(OrganizationApiView):
    @extend_schema(
        summary="Engines (models) enabled on this installation",
        description=(
            "Each enabled engine with what it can do and its price, then `aliases`: other "
            "services' model ids accepted here (`whisper-1`, `voxtral-mini-latest`, "
            "`whisper-large-v3`, …) and what serves each: an engine, or `auto` (the best "
            "enabled engine for the request)."
        ),
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        return Response({"models": [
            {
                "id": info.name, "label": info.label, "languages": list(info.languages),
                "diarization": info.diarization, "word_timestamps": info.word_timestamps,
                "vocabulary": info.vocabulary, "aliases": list(info.aliases),
                "detects_language": info.detects_language, "translation": info.translation,
                "max_upload_bytes": info.max_upload_bytes,
                "max_duration_seconds": info.max_duration_seconds,
                "price_per_minute": float(price_per_minute(info.name)),
                "quality_rank": info.quality_rank, "speed_rank": info.speed_rank,
                "upstream": info.upstream,
            }
            for info in enabled_engines()
        ], "aliases": [
            {"id": alias.id, "alias_for": alias.target, "documented_by": alias.documented_by}
            for alias in model_aliases()
        ], "routing": {
            "model": AUTO, "prefer": list(PREFERENCES),
            "default": settings.HARK_DEFAULT_ENGINE,
        }})  # fmt: skip
