"""Reference data: supported languages and models, derived from the engine registry, so
what these endpoints promise is what routing accepts."""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from billing.pricing import price_per_minute, price_table
from config.api import OrganizationApiView
from config.api_schema import AUTHENTICATION_FAILED, ok_response
from jobs.api.schema import LanguagesOutput, ModelsOutput, PriceTableOutput
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
            200: ok_response(LanguagesOutput, "The languages", languages=LANGUAGES_EXAMPLE),
            401: AUTHENTICATION_FAILED,
        },
    )
    def get(self, request: Request) -> Response:
        return Response({"languages": language_catalog(enabled_engines())})


MODELS_EXAMPLE = {
    "models": [{
        "id": "whisper", "label": "Whisper base (multilingual)", "languages": ["en", "de", "fr"],
        "diarization": True, "word_timestamps": True, "vocabulary": True,
        "aliases": ["whisper-1"], "detects_language": True, "translation": True,
        "max_upload_bytes": None, "max_duration_seconds": None, "price_per_minute": 1.0,
        "quality_rank": 2, "speed_rank": 2, "upstream": False,
    }],
    "aliases": [{"id": "whisper-1", "alias_for": "whisper", "documented_by": "OpenAI"}],
    "routing": {"model": "auto", "prefer": ["quality", "speed", "cost"], "default": "whisper"},
}  # fmt: skip
PRICING_EXAMPLE = {
    "unit": "credits per minute", "billed_per_seconds": 1,
    "rounding": "up to 0.01 credit per job",
    "engines": [{"model": "whisper", "label": "Whisper base (multilingual)", "per_minute": 1.0},
                {"model": "local", "label": "Local (pocketsphinx, English)", "per_minute": 1.0}],
    "options": [{"option": "diarization", "label": "Speaker diarization", "per_minute": 0.0},
                {"option": "summary", "label": "Summary and topics", "per_minute": 0.0}],
}  # fmt: skip


class ModelListApi(OrganizationApiView):
    @extend_schema(
        summary="Engines (models) enabled on this installation",
        description=(
            "Each enabled engine with what it can do and its price, then `aliases`: other "
            "services' model ids accepted here (`whisper-1`, `voxtral-mini-latest`, "
            "`whisper-large-v3`, …) and what serves each: an engine, or `auto` (the best "
            "enabled engine for the request). An engine listed in the configuration that "
            "cannot run now (a missing model, library or key) is not offered."
        ),
        responses={
            200: ok_response(ModelsOutput, "The engines", models=MODELS_EXAMPLE),
            401: AUTHENTICATION_FAILED,
        },
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


class PricingApi(OrganizationApiView):
    @extend_schema(
        summary="The price table",
        description=(
            "Credits per audio minute for each engine that can run here now (the same "
            "engines as `GET /api/v1/models/`: one listed in the configuration but missing "
            "its model, library or key is left out, since it would be refused), plus "
            "surcharges per option."
        ),
        responses={
            200: ok_response(PriceTableOutput, "The prices", prices=PRICING_EXAMPLE),
            401: AUTHENTICATION_FAILED,
        },
    )
    def get(self, request: Request) -> Response:
        engines = ((info.name, info.label) for info in enabled_engines())
        return Response(price_table(engines).as_dict())
