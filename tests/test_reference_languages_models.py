"""What ``GET /api/v1/languages/``, ``/api/v1/models/`` and OpenAI's ``/v1/models``
promise: the languages and models the enabled engines really offer, named from CLDR
(babel), agreeing with each other and with routing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from jobs.errors import InvalidJobRequest
from jobs.languages import language_code, language_name
from jobs.model_names import FOREIGN_MODELS
from jobs.options import TranscriptionOptions
from jobs.routing import route_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def local_only(settings):
    settings.HARK_ENGINES = ["local"]
    settings.HARK_DEFAULT_ENGINE = "local"
    return settings


def languages(persona) -> list[dict[str, Any]]:
    response = persona.client().get("/api/v1/languages/")
    assert response.status_code == 200
    listed: list[dict[str, Any]] = response.json()["languages"]
    return listed


def models(persona) -> dict[str, Any]:
    response = persona.client().get("/api/v1/models/")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def test_language_names_are_cldrs_english_names(alice):
    by_code = {entry["code"]: entry for entry in languages(alice)}

    assert by_code["de"] == {"code": "de", "name": "German", "engines": ["whisper"]}
    assert by_code["ja"] == {"code": "ja", "name": "Japanese", "engines": ["whisper"]}
    assert by_code["en"] == {"code": "en", "name": "English", "engines": ["whisper", "local"]}
    assert (language_name("sw"), language_name("pt-BR"), language_name("iw")) == (
        "Swahili", "Portuguese", "Hebrew"
    )  # fmt: skip
    assert language_name("xx") == "xx"
    # Upstreams that answer with a name ("german", "maori") get a code back.
    assert (language_code("german"), language_code("Maori"), language_code("flemish")) == (
        "de", "mi", "nl"
    )  # fmt: skip


def test_auto_detect_is_offered_exactly_when_an_enabled_engine_detects(alice, local_only):
    assert languages(alice) == [{"code": "en", "name": "English", "engines": ["local"]}]

    local_only.HARK_ENGINES = ["whisper", "local"]
    first = languages(alice)[0]
    assert first == {"code": "", "name": "Auto-detect", "engines": ["whisper"]}


@pytest.mark.parametrize("engines", [["whisper", "local"], ["local"]])
def test_languages_models_and_routing_agree(alice, settings, engines):
    settings.HARK_ENGINES = engines
    listed = languages(alice)
    offered = models(alice)["models"]

    assert [m["id"] for m in offered] == engines
    detecting = [m["id"] for m in offered if m["detects_language"]]
    auto = [entry["engines"] for entry in listed if entry["code"] == ""]
    assert auto == ([detecting] if detecting else [])
    for model in offered:
        serves = {
            entry["code"] for entry in listed if entry["code"] and model["id"] in entry["engines"]
        }
        assert serves == set(model["languages"])
    # Every language listed is one routing accepts, served by the engines listed for it.
    for entry in listed:
        route = route_plan(TranscriptionOptions(model="auto", language=entry["code"]))
        if entry["code"]:
            assert set(route.providers) == set(entry["engines"])
        else:
            # Detection is done by a detecting engine; the others only stand by as
            # fallbacks that assume their own language.
            assert route.primary in entry["engines"]
    if not detecting:
        # Without detection the request names a language or gets the engine's own.
        assert route_plan(TranscriptionOptions(model="auto")).language == ""
        assert route_plan(TranscriptionOptions(model="local")).language == "en"


def test_models_say_which_engines_detect_and_translate(alice):
    offered = {m["id"]: m for m in models(alice)["models"]}
    assert (offered["whisper"]["detects_language"], offered["whisper"]["translation"]) == (
        True, True
    )  # fmt: skip
    assert (offered["local"]["detects_language"], offered["local"]["translation"]) == (
        False, False
    )  # fmt: skip


def test_other_services_ids_are_listed_as_aliases_with_what_serves_them(alice, settings):
    settings.HARK_MODEL_ALIASES = {"gemini-2.5-pro": "local", "nova-3": "deepgram"}
    aliases = {a["id"]: a for a in models(alice)["aliases"]}

    assert set(aliases) == set(FOREIGN_MODELS)  # nova-3's engine is not enabled
    assert aliases["voxtral-mini-latest"] == {
        "id": "voxtral-mini-latest", "alias_for": "auto", "documented_by": "GateFlow (Mistral)"
    }  # fmt: skip
    assert aliases["gemini-2.5-pro"]["alias_for"] == "local"
    assert aliases["whisper-1"]["alias_for"] == "auto"
    assert aliases["whisper-large-v3"]["documented_by"] == "AudioToTextAI"
    with pytest.raises(InvalidJobRequest, match="nova-3"):
        route_plan(TranscriptionOptions(model="nova-3"))

    openai_models = alice.client().get("/v1/models").json()["data"]
    ids = [m["id"] for m in openai_models]
    assert ids[:3] == ["auto", "whisper", "local"]
    assert set(ids[3:]) == set(FOREIGN_MODELS)
    by_id = {m["id"]: m for m in openai_models}
    assert by_id["voxtral-mini-latest"]["alias_for"] == "auto"
    assert "alias_for" not in by_id["whisper"]


def test_pricing_lists_only_the_engines_that_can_run_with_their_labels(alice, settings):
    # Deepgram is listed but has no key: it cannot run, so it is neither offered nor priced.
    settings.HARK_ENGINES = ["whisper", "local", "deepgram"]
    settings.HARK_DEEPGRAM_API_KEY = ""
    table = alice.client().get("/api/v1/pricing/").json()
    assert [e["model"] for e in table["engines"]] == ["whisper", "local"]
    assert [e["model"] for e in table["engines"]] == [m["id"] for m in models(alice)["models"]]
    assert table["engines"][1]["label"] == "Local (pocketsphinx, English)"
    page = Client().get("/pricing/").content.decode()
    assert 'data-engine="local"' in page
    assert 'data-engine="deepgram"' not in page
