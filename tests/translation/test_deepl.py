"""The ``deepl`` translator against a loopback server speaking DeepL's API v2."""

from __future__ import annotations

import pytest

from jobs.engines.base import ProviderError
from jobs.translation.engines import disabled_translators, get_translator
from jobs.translation.engines.base import TextSegment
from jobs.translation.engines.deepl import base_url
from tests.upstreams.deepl import DeepLUpstream
from tests.upstreams.loopback import Fault


def segments(count: int) -> list[TextSegment]:
    return [TextSegment(str(n), f"text {n}") for n in range(count)]


def translate(items: list[TextSegment], source: str = "en", target: str = "es") -> list[str]:
    return get_translator("deepl").translate(items, source, target)


def failure(items: list[TextSegment]) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        translate(items)
    return caught.value


def test_it_is_offered_only_once_a_key_is_set(settings):
    settings.HARK_TRANSLATORS = ["apertium", "deepl"]
    settings.HARK_DEEPL_API_KEY = ""
    assert disabled_translators()["deepl"] == "Set HARK_DEEPL_API_KEY."


def test_free_keys_go_to_the_free_host_and_others_to_the_pro_host(settings):
    settings.HARK_DEEPL_BASE_URL = ""
    settings.HARK_DEEPL_API_KEY = "0000-1111:fx"
    assert base_url() == "https://api-free.deepl.com"
    settings.HARK_DEEPL_API_KEY = "0000-1111"
    assert base_url() == "https://api.deepl.com"
    settings.HARK_DEEPL_BASE_URL = "http://127.0.0.1:9/"
    assert base_url() == "http://127.0.0.1:9"


def test_it_sends_texts_with_deepls_language_codes(deepl):
    out = translate(
        [TextSegment("a", "Hola."), TextSegment("b", " "), TextSegment("c", "Sí.")], "es", "en"
    )
    assert out == ["[EN-US] Hola.", "", "[EN-US] Sí."]
    [sent] = deepl.requests
    assert sent.path == "/v2/translate"
    assert sent.headers["authorization"] == "DeepL-Auth-Key loopback:fx"
    assert sent.json() == {"text": ["Hola.", "Sí."], "source_lang": "ES", "target_lang": "EN-US"}

    translate(segments(1), "en", "pt")
    assert deepl.requests[-1].json()["target_lang"] == "PT-PT"


def test_fifty_texts_go_in_each_request(deepl):
    out = translate(segments(120))
    assert out == [f"[ES] text {n}" for n in range(120)]
    assert [len(r.json()["text"]) for r in deepl.requests] == [50, 50, 20]


def test_a_used_up_quota_is_permanent_and_says_so(quick):
    with DeepLUpstream(quota_chars=10).running() as server:
        server.configure(quick)
        error = failure(segments(5))
    assert (error.permanent, error.status) == (True, 456)
    assert "quota is used up" in error.message


def test_rate_limiting_is_transient_with_the_wait_asked_for(deepl):
    deepl.fail(Fault.rate_limited(retry_after=3))
    error = failure(segments(2))
    assert (error.permanent, error.status, error.retry_after) == (False, 429, 3.0)


def test_a_server_error_is_transient(deepl):
    deepl.fail(Fault.status(503))
    error = failure(segments(2))
    assert (error.permanent, error.status) == (False, 503)


def test_an_upstream_that_does_not_answer_in_time_is_transient(deepl, settings):
    settings.HARK_TRANSLATION_TIMEOUT_SECONDS = 1
    deepl.fail(Fault.hang(3))
    assert not failure(segments(2)).permanent


def test_a_refused_key_is_permanent(deepl, settings):
    settings.HARK_DEEPL_API_KEY = "wrong:fx"
    error = failure(segments(2))
    assert (error.permanent, error.status) == (True, 403)
    assert "refused our credentials" in error.message
