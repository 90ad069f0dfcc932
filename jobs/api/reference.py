"""Reference data: supported languages and models, derived from the engine registry."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from billing.pricing import price_per_minute
from config.api import OrganizationApiView
from jobs.engines import enabled_engines
from jobs.languages import language_name
from jobs.options import PREFERENCES


class LanguageListApi(OrganizationApiView):
    @extend_schema(
        summary="Languages you can transcribe, and which engines serve each",
        responses={200: OpenApiTypes.OBJECT},
    )
    def get(self, request: Request) -> Response:
        engines_by_language: dict[str, list[str]] = {}
        for info in enabled_engines():
            for code in info.languages:
                engines_by_language.setdefault(code, []).append(info.name)
        languages = [
            {"code": "", "name": "Auto-detect", "engines": [e.name for e in enabled_engines()]}
        ]
        languages += [
            {"code": code, "name": language_name(code), "engines": engines}
            for code, engines in sorted(engines_by_language.items())
        ]
        return Response({"languages": languages})


class ModelListApi(OrganizationApiView):
    @extend_schema(
        summary="Engines (models) enabled on this installation",
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
        ], "routing": {
            "model": "auto", "prefer": list(PREFERENCES),
            "default": settings.HARK_DEFAULT_ENGINE,
        }})  # fmt: skip
