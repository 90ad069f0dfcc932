"""The ``libretranslate`` translator against a loopback server speaking LibreTranslate's
API."""

from __future__ import annotations

import pytest

from jobs.engines.base import ProviderError
from jobs.translation.engines import disabled_translators, get_translator
from jobs.translation.engines.base import TextSegment
from tests.upstreams.loopback import Fault


def segments(count: int) -> list[TextSegment]:
    return [TextSegment(str(n), f"text {n}") for n in range(count)]


def translate(items: list[TextSegment], source: str = "en", target: str = "es") -> list[str]:
    return get_translator("libretranslate").translate(items, source, target)


def failure(items: list[TextSegment]) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        translate(items)
    return caught.value


def test_it_is_offered_only_once_its_url_is_set(settings):
    settings.HARK_TRANSLATORS = ["apertium", "libretranslate"]
    settings.HARK_LIBRETRANSLATE_URL = ""
    assert disabled_translators()["libretranslate"] == "Set HARK_LIBRETRANSLATE_URL."


def test_its_pairs_are_what_the_server_lists_asked_once(libre):
    pairs = get_translator("libretranslate").pairs()
    assert pairs == {
        ("en", "es"), ("en", "fr"), ("en", "de"), ("es", "en"), ("es", "fr"),
        ("fr", "en"), ("fr", "es"), ("de", "en"),
    }  # fmt: skip
    translate(segments(1))
    assert len(libre.requests_to("/languages")) == 1


def test_pairs_are_empty_while_the_server_cannot_be_reached(settings):
    settings.HARK_TRANSLATION_TIMEOUT_SECONDS = 2
    settings.HARK_LIBRETRANSLATE_URL = "http://127.0.0.1:9"
    assert get_translator("libretranslate").pairs() == frozenset()


def test_it_sends_texts_as_an_array_with_its_key(libre):
    out = translate([TextSegment("a", "Hello."), TextSegment("b", ""), TextSegment("c", "Bye.")])
    assert out == ["[es] Hello.", "", "[es] Bye."]
    [sent] = libre.requests_to("/translate")
    assert sent.json() == {
        "q": ["Hello.", "Bye."],
        "source": "en",
        "target": "es",
        "format": "text",
        "api_key": "libre-key",
    }


def test_fifty_texts_go_in_each_request(libre):
    assert translate(segments(120)) == [f"[es] text {n}" for n in range(120)]
    assert [len(r.json()["q"]) for r in libre.requests_to("/translate")] == [50, 50, 20]


def test_rate_limiting_is_transient_with_the_wait_asked_for(libre):
    libre.fail(Fault.rate_limited(retry_after=2, path="/translate"))
    error = failure(segments(2))
    assert (error.permanent, error.status, error.retry_after) == (False, 429, 2.0)


def test_a_server_error_is_transient(libre):
    libre.fail(Fault.status(500, path="/translate"))
    error = failure(segments(2))
    assert (error.permanent, error.status) == (False, 500)


def test_an_upstream_that_does_not_answer_in_time_is_transient(libre, settings):
    get_translator("libretranslate").pairs()  # languages first, without the fault
    settings.HARK_TRANSLATION_TIMEOUT_SECONDS = 1
    libre.fail(Fault.hang(3, path="/translate"))
    assert not failure(segments(2)).permanent


def test_a_refused_key_is_permanent(libre, settings):
    settings.HARK_LIBRETRANSLATE_API_KEY = "wrong"
    error = failure(segments(2))
    assert (error.permanent, error.status) == (True, 403)
    assert "refused our credentials" in error.message
