"""Routing: model=auto with prefer, fallbacks on transient failures (and only on those),
the circuit breaker, and every attempt recorded for staff and summed up for customers.

Upstreams are real loopback servers speaking OpenAI's protocol; the fallback is the real
local engine."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from billing.models import EntryKind, Hold, HoldStatus, LedgerEntry
from jobs.engines.base import ProviderError, TranscriptionRequest
from jobs.errors import InvalidJobRequest
from jobs.models import (
    AttemptOutcome,
    JobStatus,
    JobTask,
    ProviderAttempt,
    ProviderHealth,
    TranscriptionJob,
)
from jobs.options import TranscriptionOptions
from jobs.routing import AllProvidersFailed, Route, route_plan, route_transcribe
from jobs.services.worker import job_run
from jobs.transcripts.selectors import job_text
from tests.audio_fixtures import SHARED_AUDIO
from tests.test_api_transcribe import upload
from tests.upstreams.loopback import Fault
from tests.upstreams.openai import OpenAIUpstream
from tests.upstreams.transcribers import canned

# Transactional: the worker renews its lease from a thread while an upstream thinks.
pytestmark = pytest.mark.django_db(transaction=True)
WORDS = ["ask", "not", "what", "your", "country", "can", "do"]
JFK = SHARED_AUDIO / "jfk.flac"


@pytest.fixture
def upstream():
    with OpenAIUpstream(canned(WORDS)).running() as server:
        yield server


@pytest.fixture
def providers(settings, upstream):
    """local (1 credit/min, quality 1, speed 3) and openai (3 credits/min, 4, 4)."""
    upstream.configure(settings)
    settings.HARK_UPSTREAM_TIMEOUT_SECONDS = 5
    settings.HARK_MAX_RETRY_AFTER_SECONDS = 5
    settings.HARK_CIRCUIT_FAILURES = 3
    settings.HARK_CIRCUIT_COOLDOWN_SECONDS = 60
    return settings


def attempts(job_id: Any) -> list[tuple[str, str, int | None]]:
    return [
        (a.provider, a.outcome, a.http_status)
        for a in ProviderAttempt.objects.filter(job_id=job_id).order_by("started_at", "id")
    ]


def run(persona, **data) -> tuple[TranscriptionJob, dict[str, Any]]:
    response = upload(persona, **data)
    assert response.status_code == 200, response.content
    job_id = response.json()["id"]
    job_run(job_id)
    body = persona.client().get(f"/api/v1/transcribe/{job_id}/").json()
    return TranscriptionJob.objects.get(pk=job_id), body


# --- Choosing -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefer", "order"),
    [("quality", ("openai", "local")), ("speed", ("openai", "local")),
     ("cost", ("local", "openai")), ("", ("openai", "local"))],
)  # fmt: skip
def test_auto_ranks_every_capable_provider_by_preference(providers, prefer, order):
    route = route_plan(TranscriptionOptions(model="auto", prefer=prefer))
    assert route == Route(engine="auto", providers=order, language="")


def test_auto_leaves_out_providers_that_cannot_serve_the_request(providers):
    # Only the upstream knows German; only the local engine separates speakers here.
    assert route_plan(TranscriptionOptions(model="auto", language="de")).providers == ("openai",)
    diarized = route_plan(TranscriptionOptions(model="auto", diarization=True, language="en"))
    assert diarized.providers == ("local",)
    with pytest.raises(InvalidJobRequest, match="No enabled model can transcribe"):
        route_plan(TranscriptionOptions(model="auto", language="de", diarization=True))


def test_a_named_model_is_tried_first_then_the_listed_fallbacks(providers):
    route = route_plan(TranscriptionOptions(model="local", fallbacks=("openai",)))
    assert route.providers == ("local", "openai")
    assert route.language == "en"  # the local engine cannot detect it
    assert route_plan(TranscriptionOptions(model="openai")).providers == ("openai",)


def test_fallbacks_that_are_missing_or_cannot_serve_are_refused(providers):
    with pytest.raises(InvalidJobRequest, match="fallback model 'deepgram' is not available"):
        route_plan(TranscriptionOptions(model="openai", fallbacks=("deepgram",)))
    with pytest.raises(InvalidJobRequest, match="cannot transcribe 'de'"):
        route_plan(TranscriptionOptions(model="openai", language="de", fallbacks=("local",)))


def test_prefer_without_a_model_routes_automatically_and_holds_the_dearest_price(providers, alice):
    response = upload(alice, prefer="cost", fallbacks="openai")
    assert response.status_code == 200, response.content
    job = TranscriptionJob.objects.get()
    assert (job.engine, job.prefer, job.route) == ("auto", "cost", ["local", "openai"])
    # 11 s at openai's 3 credits a minute: the most any provider of the route may cost.
    assert Hold.objects.get().amount == Decimal("0.55")
    assert response.json()["estimated_credits"] == 0.55


def test_an_unknown_preference_is_a_400(providers, alice):
    response = upload(alice, model="auto", prefer="cheapest")
    assert response.status_code == 400
    assert "prefer" in response.json()["message"]
    assert not TranscriptionJob.objects.exists()


@pytest.mark.parametrize("model", ["whisper-1", "voxtral-mini-latest", "gemini-2.5-pro"])
def test_other_services_model_ids_route_like_auto_preferring_quality(providers, model):
    assert route_plan(TranscriptionOptions(model=model)) == Route(
        engine="auto", providers=("openai", "local"), language=""
    )
    cheapest = route_plan(TranscriptionOptions(model=model, prefer="cost"))
    assert cheapest.providers == ("local", "openai")


def test_another_services_id_gets_an_engine_that_can_do_what_is_asked(providers):
    # Only the local engine separates speakers here; only the upstream translates.
    diarized = TranscriptionOptions(model="voxtral-mini-latest", diarization=True, language="en")
    assert route_plan(diarized).providers == ("local",)
    translated = TranscriptionOptions(model="whisper-1", task=JobTask.TRANSLATE)
    assert route_plan(translated).providers == ("openai",)


def test_automatic_translation_only_considers_engines_that_translate(providers):
    route = route_plan(TranscriptionOptions(model="auto", task=JobTask.TRANSLATE, prefer="cost"))
    assert route.providers == ("openai",)
    providers.HARK_ENGINES = ["local"]
    with pytest.raises(InvalidJobRequest) as refused:
        route_plan(TranscriptionOptions(model="auto", task=JobTask.TRANSLATE))
    assert refused.value.message == (
        "No enabled model can transcribe this request (speech translation into English). "
        "Available models: local."
    )
    with pytest.raises(InvalidJobRequest) as refused:
        route_plan(TranscriptionOptions(model="local", task=JobTask.TRANSLATE))
    assert refused.value.message == (
        "The Local (pocketsphinx, English) engine cannot translate speech. "
        "No enabled engine can; send task=transcribe."
    )


def test_another_services_id_as_a_fallback_adds_the_next_best_engine(providers):
    route = route_plan(TranscriptionOptions(model="local", fallbacks=("voxtral-mini-latest",)))
    assert route.providers == ("local", "openai")
    # The best engine is the named one already, so the next best comes after it.
    alone = route_plan(TranscriptionOptions(model="openai", fallbacks=("gemini-2.5-flash",)))
    assert alone.providers == ("openai", "local")
    auto = route_plan(TranscriptionOptions(model="auto", fallbacks=("whisper-1",)))
    assert auto.providers == ("openai", "local")


def test_a_mapped_model_id_routes_to_its_engine_and_is_held_to_what_that_engine_can_do(
    providers,
):
    providers.HARK_MODEL_ALIASES = {"voxtral-mini-latest": "openai", "cheap": "auto"}
    assert route_plan(TranscriptionOptions(model="voxtral-mini-latest")) == Route(
        engine="openai", providers=("openai",), language=""
    )
    assert route_plan(TranscriptionOptions(model="cheap", prefer="cost")).providers == (
        "local",
        "openai",
    )
    with pytest.raises(InvalidJobRequest, match="Speaker diarization is not available"):
        route_plan(TranscriptionOptions(model="voxtral-mini-latest", diarization=True))
    providers.HARK_ENGINES = ["local"]
    with pytest.raises(InvalidJobRequest, match=r"the engine serving it, openai, is not enabled"):
        route_plan(TranscriptionOptions(model="local", fallbacks=("voxtral-mini-latest",)))


# --- Falling back -------------------------------------------------------------------------


def test_a_server_error_falls_back_to_the_next_provider_and_charges_its_price(
    providers, upstream, alice
):
    upstream.fail(Fault.status(503))
    job, body = run(alice, model="auto")

    assert job.status == JobStatus.COMPLETED
    assert attempts(job.pk) == [
        ("openai", AttemptOutcome.TRANSIENT, 503),
        ("local", AttemptOutcome.SUCCEEDED, None),
    ]
    assert "country" in job_text(job)  # the local engine's own transcript
    assert (body["model"], body["provider"], body["providers"]) == ("auto", "local", ["local"])
    # Held at openai's price, charged at the local engine's for the 11 s it served.
    charge = LedgerEntry.objects.get(kind=EntryKind.CHARGE)
    assert charge.amount == Decimal("-0.19")
    assert body["credits_used"] == 0.19


def test_the_preferred_provider_serves_when_it_is_healthy(providers, upstream, alice):
    job, body = run(alice, model="auto", prefer="quality")
    assert job_text(job) == " ".join(WORDS)
    assert attempts(job.pk) == [("openai", AttemptOutcome.SUCCEEDED, None)]
    assert body["provider"] == "openai"
    assert LedgerEntry.objects.get(kind=EntryKind.CHARGE).amount == Decimal("-0.55")
    [sent] = upstream.requests
    assert "language" not in sent.form  # auto-detected upstream


def test_a_short_retry_after_is_waited_out_and_the_same_provider_retried(
    providers, upstream, alice
):
    upstream.fail(Fault.rate_limited(retry_after=1))
    job, body = run(alice, model="openai", fallbacks="local")

    assert attempts(job.pk) == [
        ("openai", AttemptOutcome.TRANSIENT, 429),
        ("openai", AttemptOutcome.SUCCEEDED, None),
    ]
    first, second = upstream.requests
    assert second.at - first.at >= 1.0
    assert body["provider"] == "openai"


def test_a_long_retry_after_falls_back_and_keeps_the_provider_out_that_long(
    providers, upstream, alice
):
    upstream.fail(Fault.rate_limited(retry_after=120))
    job, _ = run(alice, model="openai", fallbacks="local")
    assert attempts(job.pk) == [
        ("openai", AttemptOutcome.TRANSIENT, 429),
        ("local", AttemptOutcome.SUCCEEDED, None),
    ]
    health = ProviderHealth.objects.get(provider="openai")
    assert health.open_until is not None
    assert health.open_until - timezone.now() > timedelta(seconds=100)

    # The next job does not even ask.
    later, body = run(alice, model="openai", fallbacks="local")
    assert attempts(later.pk)[0][:2] == ("openai", AttemptOutcome.SKIPPED)
    assert len(upstream.requests) == 1
    assert body["provider"] == "local"


def test_a_timeout_falls_back(providers, upstream, alice):
    providers.HARK_UPSTREAM_TIMEOUT_SECONDS = 1
    upstream.fail(Fault.hang(3))
    job, body = run(alice, model="openai", fallbacks="local")
    assert [a[:2] for a in attempts(job.pk)] == [
        ("openai", AttemptOutcome.TRANSIENT),
        ("local", AttemptOutcome.SUCCEEDED),
    ]
    assert body["status"] == "completed"


@pytest.mark.parametrize(
    ("status", "words"),
    [(400, "could not transcribe"), (401, "credentials"), (413, "too large")],
)
def test_permanent_failures_are_neither_retried_nor_fallen_back(
    providers, upstream, alice, status, words
):
    upstream.fail(Fault.status(status))
    job, body = run(alice, model="openai", fallbacks="local")

    assert job.status == JobStatus.FAILED
    assert words in body["error_message"]
    assert attempts(job.pk) == [("openai", AttemptOutcome.PERMANENT, status)]
    assert len(upstream.requests) == 1
    assert Hold.objects.get(reference=job.billing_reference).status == HoldStatus.RELEASED
    assert not LedgerEntry.objects.filter(kind=EntryKind.CHARGE).exists()


def test_when_every_provider_fails_transiently_the_job_is_requeued_then_failed_uncharged(
    providers, upstream, alice
):
    providers.HARK_JOB_MAX_ATTEMPTS = 2
    providers.HARK_JOB_RETRY_SCHEDULE = [0.0]  # the backoff: tests/test_job_retry_backoff.py
    upstream.fail(*[Fault.status(500)] * 2)
    response = upload(alice, model="openai")
    job_id = response.json()["id"]
    job_run(job_id)
    assert TranscriptionJob.objects.get(pk=job_id).status == JobStatus.QUEUED
    job_run(job_id)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.FAILED
    assert "No speech service could transcribe this right now" in job.error_message
    assert attempts(job_id) == [("openai", AttemptOutcome.TRANSIENT, 500)] * 2
    assert not LedgerEntry.objects.filter(kind=EntryKind.CHARGE).exists()


# --- The circuit breaker --------------------------------------------------------------------


def test_the_circuit_opens_after_repeated_failures_then_lets_one_call_through(providers, upstream):
    providers.HARK_CIRCUIT_FAILURES = 2
    providers.HARK_CIRCUIT_COOLDOWN_SECONDS = 1
    route = Route(engine="openai", providers=("openai",), language="en")
    request = TranscriptionRequest(path=JFK)
    records: list[Any] = []

    def call() -> None:
        route_transcribe(route, request, lambda _: None, record=records.append, sleep=time.sleep)

    upstream.fail(Fault.status(500), Fault.status(502), Fault.status(500))
    for _ in range(2):
        with pytest.raises(AllProvidersFailed):
            call()
    assert len(upstream.requests) == 2
    with pytest.raises(AllProvidersFailed, match="temporarily unavailable"):
        call()  # open: skipped without a request
    assert len(upstream.requests) == 2
    assert [r.outcome for r in records] == ["transient", "transient", "skipped"]

    time.sleep(1.1)  # cool-down over: one call goes through, fails, and re-opens it at once
    with pytest.raises(AllProvidersFailed):
        call()
    assert len(upstream.requests) == 3
    with pytest.raises(AllProvidersFailed, match="temporarily unavailable"):
        call()

    time.sleep(1.1)
    call()  # a success closes it
    assert ProviderHealth.objects.get(provider="openai").consecutive_failures == 0
    call()
    assert len(upstream.requests) == 5


def test_permanent_errors_about_the_audio_do_not_trip_the_circuit(providers, upstream):
    providers.HARK_CIRCUIT_FAILURES = 1
    route = Route(engine="openai", providers=("openai",), language="en")
    upstream.fail(Fault.status(400))
    with pytest.raises(ProviderError):
        route_transcribe(route, TranscriptionRequest(path=JFK), lambda _: None, record=print)
    assert not ProviderHealth.objects.filter(provider="openai", open_until__isnull=False).exists()


# --- Who sees what --------------------------------------------------------------------------


def test_staff_see_every_attempt_on_the_job_in_the_admin(providers, upstream, alice, client):
    from accounts.models import User

    upstream.fail(Fault.status(503))
    job, _ = run(alice, model="auto")
    staff = User.objects.create_superuser(email="staff@example.org", password="x" * 12)
    client.force_login(staff)
    page = client.get(f"/admin/jobs/transcriptionjob/{job.pk}/change/").content.decode()
    assert "Provider attempts" in page
    assert "HTTP 503" in page
    assert page.count("openai") >= 1
    listing = client.get("/admin/jobs/providerattempt/?outcome=transient").content.decode()
    assert "jfk.flac" in listing


def test_the_models_endpoint_and_the_upload_form_list_what_is_enabled(providers, alice, client):
    models = alice.client().get("/api/v1/models/").json()
    openai = next(m for m in models["models"] if m["id"] == "openai")
    assert [m["id"] for m in models["models"]] == ["local", "openai"]
    assert openai["max_upload_bytes"] == 25 * 1024 * 1024
    assert (openai["price_per_minute"], openai["detects_language"]) == (3.0, True)
    assert (openai["quality_rank"], openai["speed_rank"], openai["upstream"]) == (4, 4, True)
    assert models["routing"] == {"model": "auto", "prefer": ["quality", "speed", "cost"],
                                 "default": "local"}  # fmt: skip

    client.force_login(alice.user)
    page = client.get("/transcribe/new/").content.decode()
    assert '<option value="openai">' in page
    assert '<option value="auto">Automatic (best available, with fallbacks)</option>' in page
