"""The ``openai`` translator against a loopback server speaking OpenAI's documented
``/v1/chat/completions``, with the faults an upstream and a language model throw at it."""

from __future__ import annotations

import pytest

from jobs.engines.base import ProviderError
from jobs.translation.engines import disabled_translators, enabled_translators, get_translator
from jobs.translation.engines.base import TextSegment
from tests.upstreams.loopback import Fault


def segments(count: int, *, text: str = "hello number {n}") -> list[TextSegment]:
    return [TextSegment(f"s{n}", text.format(n=n)) for n in range(count)]


def translate(items: list[TextSegment], source: str = "en", target: str = "es") -> list[str]:
    return get_translator("openai").translate(items, source, target)


def failure(items: list[TextSegment]) -> ProviderError:
    with pytest.raises(ProviderError) as caught:
        translate(items)
    return caught.value


def test_it_is_offered_only_once_configured(settings):
    settings.HARK_TRANSLATORS = ["apertium", "openai"]
    settings.HARK_TRANSLATION_OPENAI_BASE_URL = ""
    assert "HARK_TRANSLATION_OPENAI_BASE_URL" in disabled_translators()["openai"]
    assert get_translator("openai").pairs() == frozenset()


def test_it_sends_segments_with_their_ids_and_reads_one_translation_each(chat):
    out = translate([TextSegment("a", "Hello."), TextSegment("b", ""), TextSegment("c", "Bye.")])

    assert out == ["[es] Hello.", "", "[es] Bye."]
    [sent] = chat.requests
    assert sent.headers["authorization"] == "Bearer sk-loopback"
    body = sent.json()
    assert body["model"] == "gpt-loopback"
    assert body["response_format"] == {"type": "json_object"}
    assert body["temperature"] == 0
    assert "English to Spanish" in body["messages"][0]["content"]
    # Empty segments are not sent.
    assert chat.segments_sent() == [[{"id": "a", "text": "Hello."}, {"id": "c", "text": "Bye."}]]


def test_it_offers_every_pair_of_its_languages(chat, settings):
    settings.HARK_TRANSLATORS = ["apertium", "openai"]
    assert "openai" in [info.name for info in enabled_translators()]
    assert {("en", "ja"), ("ja", "en"), ("de", "fr")} <= get_translator("openai").pairs()
    settings.HARK_TRANSLATION_OPENAI_LANGUAGES = ["en", "sw"]
    assert get_translator("openai").pairs() == {("en", "sw"), ("sw", "en")}


def test_segments_go_in_batches_by_count_and_by_characters(chat, settings):
    settings.HARK_TRANSLATION_OPENAI_BATCH_SEGMENTS = 40
    settings.HARK_TRANSLATION_OPENAI_BATCH_CHARS = 100_000
    out = translate(segments(95))
    assert out == [f"[es] hello number {n}" for n in range(95)]
    assert [len(batch) for batch in chat.segments_sent()] == [40, 40, 15]

    chat.requests.clear()
    settings.HARK_TRANSLATION_OPENAI_BATCH_CHARS = 100
    translate(segments(10, text="{n:0>30}"))  # 30 characters each: three fit in 100
    assert [len(batch) for batch in chat.segments_sent()] == [3, 3, 3, 1]


def test_a_key_is_not_sent_to_a_server_that_takes_none(chat, settings):
    settings.HARK_TRANSLATION_OPENAI_API_KEY = ""
    failure(segments(1))  # the loopback wants one; what matters is what was sent
    assert "authorization" not in chat.requests[0].headers


@pytest.mark.parametrize("bad", ["not_json", "missing_id", "merged", "unknown_id", "no_content"])
def test_a_bad_answer_is_asked_again_once(chat, bad):
    chat.misbehave(bad)
    out = translate(segments(3))
    assert out == [f"[es] hello number {n}" for n in range(3)]
    assert len(chat.requests) == 2


@pytest.mark.parametrize("bad", ["not_json", "missing_id", "merged"])
def test_two_bad_answers_are_a_transient_failure(chat, bad):
    chat.misbehave(bad, bad)
    error = failure(segments(3))
    assert not error.permanent
    assert "did not match the segments" in error.message
    assert len(chat.requests) == 2


def test_an_answer_in_a_markdown_fence_is_read(chat):
    chat.misbehave("fenced")
    assert translate(segments(2)) == ["[es] hello number 0", "[es] hello number 1"]
    assert len(chat.requests) == 1


def test_rate_limiting_is_transient_with_the_wait_asked_for(chat):
    chat.fail(Fault.rate_limited(retry_after=7))
    error = failure(segments(2))
    assert (error.permanent, error.status, error.retry_after) == (False, 429, 7.0)
    assert "busy" in error.message
    assert "translation service" in error.message


def test_a_server_error_is_transient(chat):
    chat.fail(Fault.status(502))
    error = failure(segments(2))
    assert (error.permanent, error.status) == (False, 502)


def test_an_upstream_that_does_not_answer_in_time_is_transient(chat, settings):
    settings.HARK_TRANSLATION_TIMEOUT_SECONDS = 1
    chat.fail(Fault.hang(3))
    error = failure(segments(2))
    assert not error.permanent
    assert "did not answer within 1 seconds" in error.message


def test_refused_credentials_are_permanent(chat, settings):
    settings.HARK_TRANSLATION_OPENAI_API_KEY = "sk-wrong"
    error = failure(segments(2))
    assert (error.permanent, error.status) == (True, 401)
    assert len(chat.requests) == 1


def test_a_refused_request_is_permanent(chat):
    chat.fail(Fault.status(400))
    error = failure(segments(2))
    assert (error.permanent, error.status) == (True, 400)
    assert "could not translate this text" in error.message


def test_a_pair_outside_its_languages_is_refused_before_asking(chat, settings):
    settings.HARK_TRANSLATION_OPENAI_LANGUAGES = ["en", "es"]
    with pytest.raises(ProviderError) as caught:
        translate(segments(1), "en", "fr")
    assert caught.value.permanent
    assert chat.requests == []


def test_the_loopback_speaks_the_real_clients_protocol(chat):
    # OpenAI's own client library reads the loopback's answers: it is OpenAI's shape.
    from openai import OpenAI

    client = OpenAI(base_url=chat.base_url, api_key=chat.key)
    reply = client.chat.completions.create(
        model="gpt-loopback",
        messages=[
            {"role": "user", "content": '{"target": "de", "segments": [{"id": "1", "text": "hi"}]}'}
        ],
    )
    assert reply.choices[0].message.content == '{"translations": [{"id": "1", "text": "[de] hi"}]}'
