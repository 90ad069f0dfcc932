"""``/metrics``: refused without the token (or the configured network), and read back with
prometheus_client's own parser, its numbers are the rows in the database."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db.models import Min, Sum
from django.test import Client
from django.utils import timezone
from django_q.brokers import get_broker
from django_q.models import OrmQ
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from billing.models import EntryKind, LedgerEntry
from jobs.engines.base import Segment, TranscriptionResult
from jobs.lifecycle.transcription import job_claim, job_complete, job_fail
from jobs.models import TranscriptionJob
from ops.metrics import metrics_exposition
from tests.audio_fixtures import SHARED_AUDIO
from tests.webhook_receiver import Reply, receiving
from webhooks.delivery import delivery_attempt
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-for-tests"
JFK = SHARED_AUDIO / "jfk.flac"


@pytest.fixture
def metrics_token(settings) -> str:
    settings.HARK_METRICS_TOKEN = TOKEN
    return TOKEN


def scrape(token: str | None = TOKEN, remote_addr: str = "127.0.0.1") -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return Client(REMOTE_ADDR=remote_addr).get("/metrics", headers=headers)


def samples(text: str) -> list[Sample]:
    return [sample for family in text_string_to_metric_families(text) for sample in family.samples]


def value(all_samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in all_samples if s.name == name and s.labels == labels]
    assert len(found) == 1, f"{name}{labels}: {len(found)} samples"
    return found[0]


def test_metrics_without_the_token_are_refused_with_a_sentence(metrics_token):
    response = scrape(token=None)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="metrics"'
    assert response.content.decode() == (
        "Send the metrics token: 'Authorization: Bearer <token>'.\n"
    )

    wrong = scrape(token="not-the-token")
    assert wrong.status_code == 403
    assert wrong.content.decode() == "That metrics token is not the configured one.\n"

    assert scrape().status_code == 200


def test_metrics_are_off_until_a_token_or_network_is_configured():
    response = scrape(token="anything")
    assert response.status_code == 403
    assert "Metrics are off: set HARK_METRICS_TOKEN" in response.content.decode()


def test_a_configured_network_reads_metrics_without_a_token(settings):
    settings.HARK_METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    assert scrape(token=None, remote_addr="10.1.2.3").status_code == 200
    # IPv4 on a dual-stack socket.
    assert scrape(token=None, remote_addr="::ffff:10.1.2.3").status_code == 200
    outside = scrape(token=None, remote_addr="192.0.2.7")
    assert outside.status_code == 403
    assert outside.content.decode() == "Metrics are readable only from the configured networks.\n"


def result(engine: str) -> TranscriptionResult:
    return TranscriptionResult(
        segments=[Segment(0.5, 1.4, "hello world", 0.85)],
        language="en", duration=11.0, engine=engine,
    )  # fmt: skip


def upload(persona, **data: str) -> TranscriptionJob:
    with Path(JFK).open("rb") as handle:
        response = persona.client().post(
            "/api/v1/transcribe/", {"file": handle, **data}, format="multipart"
        )
    assert response.status_code == 200, response.json()
    return TranscriptionJob.objects.get(pk=response.json()["id"])


def completed(persona, engine: str, **data: str) -> TranscriptionJob:
    job = upload(persona, model=engine, **data)
    claim = job_claim(str(job.pk))
    assert claim is not None
    assert job_complete(claim, result(engine), usage={engine: 11.0})
    job.refresh_from_db()
    return job


@pytest.fixture
def history(settings, alice, bob) -> Iterator[list[TranscriptionJob]]:
    """Two local and one whisper job completed, one failed, one queued; their webhooks
    delivered once (success) and failed once (a 500)."""
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with receiving([Reply(200), Reply(500)]) as receiver:
        done = [
            completed(alice, "local", webhook_url=receiver.url()),
            completed(bob, "local", webhook_url=receiver.url()),
            completed(alice, "whisper"),
        ]
        failed = upload(alice)
        job_fail(failed, "The file could not be read.")
        upload(bob)
        for delivery in Delivery.objects.order_by("created_at"):
            delivery_attempt(str(delivery.pk))
        yield done


def rtf(jobs: list[TranscriptionJob]) -> float:
    processing = sum(
        (job.finished_at - job.started_at).total_seconds()
        for job in jobs
        if job.finished_at and job.started_at
    )
    return processing / sum(job.duration_seconds for job in jobs)


def test_metrics_match_the_jobs_ledger_and_webhook_attempts(metrics_token, history):
    response = scrape()

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")
    found = samples(response.content.decode())
    for state, count in [("queued", 1), ("processing", 0), ("completed", 3), ("failed", 1)]:
        assert value(found, "hark_jobs", kind="transcription", state=state) == count
    assert value(found, "hark_jobs", kind="translation", state="completed") == 0

    local = [job for job in history if job.engine == "local"]
    whisper = [job for job in history if job.engine == "whisper"]
    assert value(found, "hark_recent_jobs_completed", kind="transcription", engine="local") == 2
    assert value(found, "hark_recent_realtime_factor", engine="local") == pytest.approx(rtf(local))
    assert value(found, "hark_recent_realtime_factor", engine="whisper") == pytest.approx(
        rtf(whisper)
    )
    assert value(found, "hark_recent_audio_seconds", engine="local") == pytest.approx(
        sum(job.duration_seconds for job in local)
    )
    longest = max((job.finished_at - job.started_at).total_seconds() for job in local)
    assert value(
        found,
        "hark_recent_job_duration_seconds",
        kind="transcription",
        engine="local",
        quantile="1",
    ) == pytest.approx(longest)

    charged = -LedgerEntry.objects.filter(kind=EntryKind.CHARGE, product="local").aggregate(
        s=Sum("amount")
    )["s"]
    assert charged > 0
    assert value(found, "hark_credits_captured_total", product="local") == float(charged)
    assert value(found, "hark_credits_captured_total", product="whisper") == float(
        -LedgerEntry.objects.get(kind=EntryKind.CHARGE, product="whisper").amount
    )
    assert value(found, "hark_webhook_attempts_total", outcome="success") == 1
    assert value(found, "hark_webhook_attempts_total", outcome="http_error") == 1
    assert value(found, "hark_webhook_attempts_total", outcome="timeout") == 0
    assert value(found, "hark_workers_seen") == 0


def test_queue_depth_and_age_are_read_at_the_scrape_time(metrics_token, history):
    oldest = OrmQ.objects.aggregate(oldest=Min("lock"))["oldest"]
    assert oldest is not None
    at: datetime = oldest + timedelta(seconds=90)

    found = samples(metrics_exposition(clock=lambda: at).decode())

    # The history's jobs left tasks on the main queue and its webhooks on the deliveries'.
    for queue in (get_broker().list_key, settings.DELIVERIES_CLUSTER):
        rows = OrmQ.objects.filter(key=queue)
        assert value(found, "hark_queue_depth", queue=queue) == rows.filter(lock__lte=at).count()
        assert value(found, "hark_queue_locked_tasks", queue=queue) == (
            rows.filter(lock__gt=at).count()
        )
    assert sum(s.value for s in found if s.name == "hark_queue_depth") > 0
    assert value(found, "hark_queue_oldest_age_seconds", queue=get_broker().list_key) == (
        pytest.approx(90)
    )


def test_jobs_finished_before_the_window_leave_the_recent_figures(metrics_token, history, settings):
    settings.HARK_METRICS_WINDOW_SECONDS = 600
    later = timezone.now() + timedelta(seconds=601)

    found = samples(metrics_exposition(clock=lambda: later).decode())

    assert value(found, "hark_metrics_window_seconds") == 600
    assert not [s for s in found if s.name.startswith("hark_recent_")]
    # Money is a running total: it stays.
    assert value(found, "hark_credits_captured_total", product="local") > 0
    assert (
        Decimal(0)
        < -LedgerEntry.objects.filter(kind=EntryKind.CHARGE).aggregate(s=Sum("amount"))["s"]
    )
