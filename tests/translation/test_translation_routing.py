"""Translations route as transcriptions do (``jobs.routing``): ``auto`` ranked by
``prefer``, a named translator then its ``fallbacks``, failing over on transient failures
only, and the circuit breaker shared with the speech providers.

The upstream translators are real loopback servers (DeepL's, LibreTranslate's and an
OpenAI-compatible chat API); Apertium is the real program."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_q.models import OrmQ

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from jobs.errors import InvalidJobRequest
from jobs.models import JobStatus, ProviderHealth
from jobs.services.worker import jobs_recover_abandoned
from jobs.translation.models import TranslationJob
from jobs.translation.services.intake import translation_quote
from jobs.translation.services.translators import translation_route
from jobs.translation.tasks import translate
from tests.transcripts.helpers import completed_job
from tests.translation.helpers import order, translated
from tests.upstreams.loopback import Fault
from webhooks.models import Delivery

ALL = ["apertium", "libretranslate", "openai", "deepl"]


@pytest.fixture
def every_translator(settings: Any, chat: Any, deepl: Any, libre: Any) -> Any:
    """apertium (quality 1, speed 5, 0.001/word), libretranslate (2, 3, 0.002),
    openai (3, 2, 0.004), deepl (4, 4, 0.006)."""
    settings.HARK_TRANSLATORS = ALL
    settings.HARK_CIRCUIT_FAILURES = 2
    settings.HARK_CIRCUIT_COOLDOWN_SECONDS = 300
    return settings


@pytest.fixture
def jfk(alice: Any) -> Any:
    return completed_job(alice)


# --- Choosing -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefer", "expected"),
    [
        ("", ["deepl", "openai", "libretranslate", "apertium"]),
        ("quality", ["deepl", "openai", "libretranslate", "apertium"]),
        ("speed", ["apertium", "deepl", "libretranslate", "openai"]),
        ("cost", ["apertium", "libretranslate", "openai", "deepl"]),
    ],
)
def test_auto_ranks_every_translator_of_the_pair_by_preference(every_translator, prefer, expected):
    assert translation_route("en", "es", prefer=prefer) == expected


def test_auto_leaves_out_translators_that_cannot_take_the_pair(every_translator):
    # The LibreTranslate server offers no English → Italian.
    assert "libretranslate" not in translation_route("en", "it")
    assert translation_route("en", "it", prefer="speed")[0] == "apertium"


def test_a_named_translator_is_tried_first_then_only_the_listed_fallbacks(every_translator):
    route = translation_route("en", "es", model="libretranslate", fallbacks=["apertium"])
    assert route == ["libretranslate", "apertium"]


def test_listed_fallbacks_come_right_after_the_best_in_an_automatic_route(every_translator):
    route = translation_route("en", "es", fallbacks=["apertium"])
    assert route == ["deepl", "apertium", "openai", "libretranslate"]


def test_auto_as_a_fallback_adds_the_best_translator_not_tried_before(every_translator):
    route = translation_route("en", "es", model="apertium", fallbacks=["auto"], prefer="cost")
    assert route == ["apertium", "libretranslate"]


def test_a_fallback_that_cannot_take_the_pair_is_refused_naming_those_that_can(every_translator):
    with pytest.raises(InvalidJobRequest) as refused:
        translation_route("en", "it", model="apertium", fallbacks=["libretranslate"])
    assert "The fallback translator 'libretranslate' cannot translate English into Italian" in (
        refused.value.message
    )
    assert "Translators for this pair: apertium, openai, deepl." in refused.value.message


def test_an_unknown_preference_is_a_400_and_nothing_is_ordered(every_translator, alice, jfk):
    response = order(alice, jfk.id, "es", prefer="cheapest")
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "message": "prefer must be one of quality, speed, cost.",
    }
    assert not TranslationJob.objects.exists()


def test_the_order_records_its_route_and_holds_the_dearest_translators_price(
    every_translator, alice, jfk
):
    response = order(alice, jfk.id, "es", prefer="cost", fallbacks=["deepl"])
    assert response.status_code == 200, response.content
    translation = TranslationJob.objects.get()
    assert (translation.engine, translation.prefer) == ("auto", "cost")
    assert translation.route == ["apertium", "deepl", "libretranslate", "openai"]
    held = Hold.objects.get(reference=translation.billing_reference)
    assert held.amount == translation_quote(translation.words, "deepl")
    assert response.json()["estimated_credits"] == float(held.amount)


# --- Failing over ---------------------------------------------------------------------------


def test_a_translator_answering_500_hands_over_to_the_next_which_is_charged(
    every_translator, deepl, alice, jfk
):
    deepl.fail(Fault.status(500))

    body = translated(alice, jfk.id, "es", model="deepl", fallbacks=["apertium"])

    assert body["status"] == "completed", body
    assert body["provider"] == "apertium"
    assert body["providers"] == ["deepl", "apertium"]
    assert "país" in body["transcript"].lower()
    translation = TranslationJob.objects.get()
    assert translation.providers == ["deepl", "apertium"]
    assert len(deepl.requests_to("/v2/translate")) == 1
    # Held at DeepL's price, charged at Apertium's, the rest released.
    charge = LedgerEntry.objects.get(kind=EntryKind.CHARGE, reference=translation.billing_reference)
    assert charge.product == "translation:apertium"
    assert -charge.amount == translation_quote(translation.words, "apertium")
    assert translation.credits_used == -charge.amount
    assert translation.estimated_credits == translation_quote(translation.words, "deepl")
    assert Hold.objects.get(reference=translation.billing_reference).status == (HoldStatus.CAPTURED)


def test_garbage_from_a_language_model_hands_over_to_the_next_translator(
    every_translator, chat, alice, jfk
):
    chat.misbehave("not_json", "not_json")  # asked twice, garbage twice

    body = translated(alice, jfk.id, "es", model="openai", fallbacks=["libretranslate"])

    assert body["status"] == "completed", body
    assert body["providers"] == ["openai", "libretranslate"]
    assert body["transcript"].startswith("[es] ")
    assert len(chat.requests_to("/v1/chat/completions")) == 2


def test_a_permanent_failure_fails_the_translation_at_once_and_releases_the_hold(
    every_translator, deepl, alice, jfk
):
    deepl.fail(Fault.status(400))
    hook = "https://example.com/callback"

    body = translated(alice, jfk.id, "es", model="deepl", fallbacks=["apertium"], webhook_url=hook)

    assert body["status"] == "failed"
    assert "could not translate this text" in body["error_message"]
    translation = TranslationJob.objects.get()
    assert translation.providers == ["deepl"]
    assert Hold.objects.get(reference=translation.billing_reference).status == (HoldStatus.RELEASED)
    assert not LedgerEntry.objects.filter(
        kind=EntryKind.CHARGE, reference=translation.billing_reference
    ).exists()
    # Gumzo's webhook: the event is about the translation, not its source.
    [delivery] = Delivery.objects.filter(url=hook)
    payload = json.loads(delivery.payload)
    assert (payload["event"], payload["job_type"], payload["status"]) == (
        "job_failed",
        "translation",
        "failed",
    )
    assert payload["job_id"] == payload["translation_id"] == str(translation.id)
    assert payload["transcription_id"] == str(jfk.id)
    assert payload["error_message"] == body["error_message"]


def test_when_every_translator_fails_transiently_it_waits_then_tries_again_then_fails(
    every_translator, deepl, alice, jfk
):
    every_translator.HARK_JOB_MAX_ATTEMPTS = 2
    deepl.fail(Fault.status(503), Fault.status(502))
    response = order(alice, jfk.id, "es", model="deepl")
    translation_id = response.json()["translation_id"]

    translate(translation_id)
    waiting = TranslationJob.objects.get()
    assert (waiting.status, waiting.attempts, waiting.providers) == ("queued", 1, ["deepl"])
    assert waiting.retry_at is not None
    assert waiting.retry_at > timezone.now()
    assert Hold.objects.get(reference=waiting.billing_reference).status == HoldStatus.ACTIVE

    translate(translation_id)  # delivered again early: refused, nothing called
    assert TranslationJob.objects.get().attempts == 1
    assert len(deepl.requests_to("/v2/translate")) == 1

    # The wait is over.
    TranslationJob.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    translate(translation_id)
    failed = TranslationJob.objects.get()
    assert (failed.status, failed.attempts) == (JobStatus.FAILED, 2)
    assert failed.providers == ["deepl", "deepl"]
    assert failed.error_message == (
        "No translator could translate this right now (deepl: The deepl translation "
        "service is having trouble (HTTP 502))."
    )
    assert Hold.objects.get(reference=failed.billing_reference).status == HoldStatus.RELEASED


# --- The circuit breaker --------------------------------------------------------------------


def test_a_translator_that_keeps_failing_is_skipped_until_its_circuit_closes(
    every_translator, deepl, alice, jfk
):
    deepl.fail(*[Fault.status(500)] * 2)
    for _ in range(2):
        body = translated(alice, jfk.id, "es", model="deepl", fallbacks=["apertium"])
        assert body["providers"] == ["deepl", "apertium"]
    health = ProviderHealth.objects.get(provider="translator:deepl")
    assert health.consecutive_failures == 2
    assert health.open_until is not None
    assert health.open_until > timezone.now()

    body = translated(alice, jfk.id, "es", model="deepl", fallbacks=["apertium"])

    assert body["status"] == "completed"
    assert body["providers"] == ["apertium"]
    assert len(deepl.requests_to("/v2/translate")) == 2  # not called the third time

    # Once the cooldown is over one call goes through; its success closes the circuit.
    ProviderHealth.objects.update(open_until=timezone.now() - timedelta(seconds=1))
    body = translated(alice, jfk.id, "es", model="deepl", fallbacks=["apertium"])
    assert body["providers"] == ["deepl"]
    assert ProviderHealth.objects.get(provider="translator:deepl").consecutive_failures == 0


def test_a_failing_translator_does_not_open_the_circuit_of_the_speech_engine_of_that_name(
    every_translator, chat, alice, jfk
):
    chat.misbehave(*["not_json"] * 4)
    for _ in range(2):
        translated(alice, jfk.id, "es", model="openai", fallbacks=["apertium"])
    assert ProviderHealth.objects.get(provider="translator:openai").open_until is not None
    assert not ProviderHealth.objects.filter(provider="openai").exists()


def test_an_overdue_retry_whose_task_was_lost_is_queued_again_by_the_sweeper(
    every_translator, deepl, alice, jfk
):
    deepl.fail(Fault.status(503))
    translation_id = order(alice, jfk.id, "es", model="deepl").json()["translation_id"]
    translate(translation_id)
    OrmQ.objects.all().delete()  # the delayed task is lost
    TranslationJob.objects.update(retry_at=timezone.now() - timedelta(minutes=5))

    jobs_recover_abandoned()

    assert TranslationJob.objects.get().retry_at is None
    [task] = OrmQ.objects.all()
    assert tuple(task.task["args"]) == (translation_id,)
    translate(translation_id)
    done = TranslationJob.objects.get()
    assert (done.status, done.providers) == (JobStatus.COMPLETED, ["deepl", "deepl"])
