"""Quotes: ``POST /api/v1/quote/`` and ``mode=test`` answer the price without a job or a
charge, from a configurable price table, and match what the same audio is later charged."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_q.models import OrmQ

from billing.models import EntryKind, Hold, LedgerEntry
from billing.selectors import wallet_for
from jobs.models import JobStatus, TranscriptionJob
from jobs.services.worker import job_run
from tests.audio_fixtures import SHARED_AUDIO

pytestmark = pytest.mark.django_db
JFK = SHARED_AUDIO / "jfk.flac"


def post_audio(persona, url: str, path: Path = JFK, **data):
    with path.open("rb") as handle:
        return persona.client().post(url, {"file": handle, **data}, format="multipart")


def assert_nothing_ordered(persona, media_root: Path) -> None:
    assert not TranscriptionJob.objects.exists()
    assert not Hold.objects.exists()
    assert not OrmQ.objects.exists()
    assert [p for p in media_root.rglob("*") if p.is_file()] == []
    assert LedgerEntry.objects.filter(wallet__organization=persona.organization).count() == 1
    wallet = wallet_for(persona.organization)
    assert (wallet.balance, wallet.held) == (Decimal("60"), Decimal("0"))


@pytest.mark.parametrize("url", ["/api/v1/quote/", "/api/v1/transcribe/?mode=test"])
def test_a_quote_answers_the_price_delivery_and_wallet_without_ordering(alice, isolated_media,
                                                                        url):  # fmt: skip
    data: dict[str, Any] = {"mode": "test"} if "mode" in url else {}
    response = post_audio(alice, url.split("?")[0], **data)

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["mode"] == "test"
    assert body["status"] == "success"
    assert body["order_total"] == body["estimated_credits"] == 0.19
    assert body["seconds"] == 11
    assert body["duration_seconds"] == pytest.approx(11.0, abs=0.05)
    assert body["in_wallet"] == 60.0
    assert body["sufficient_credits"] is True
    assert body["model"] == "whisper"
    assert body["estimated_wait"] > 0
    delivery = datetime.strptime(body["delivery_estimate"], "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    assert 0 < (delivery - datetime.now(UTC)).total_seconds() <= body["estimated_wait"] + 2
    assert_nothing_ordered(alice, isolated_media)


def test_a_quote_says_when_the_wallet_cannot_cover_it_and_still_charges_nothing(
    alice, isolated_media, settings
):
    settings.HARK_PRICE_PER_MINUTE = Decimal("600")
    body = post_audio(alice, "/api/v1/quote/").json()
    assert body["order_total"] == 110.0
    assert body["sufficient_credits"] is False
    assert_nothing_ordered(alice, isolated_media)


def test_option_surcharges_are_priced_in_quotes_and_the_pricing_table(alice, settings):
    settings.HARK_ENGINE_PRICES = {"whisper": Decimal("2")}
    settings.HARK_OPTION_PRICES = {"diarization": Decimal("1"), "summary": Decimal("0.5")}

    plain = post_audio(alice, "/api/v1/quote/").json()
    speakers = post_audio(alice, "/api/v1/quote/", diarization="true").json()
    both = post_audio(alice, "/api/v1/quote/", diarization="true", job_type="Summary").json()

    # 11 s at 2, 3 and 3.5 credits per minute, rounded up to the cent.
    assert (plain["order_total"], speakers["order_total"], both["order_total"]) == (
        0.37, 0.55, 0.65)  # fmt: skip
    table = alice.client().get("/api/v1/pricing/").json()
    assert [(e["model"], e["per_minute"]) for e in table["engines"]] == [
        ("whisper", 2.0),
        ("local", 1.0),
    ]
    assert {o["option"]: o["per_minute"] for o in table["options"]} == {
        "diarization": 1.0, "summary": 0.5}  # fmt: skip
    page = Client().get("/pricing/").content.decode()
    assert 'data-engine="whisper"' in page
    assert "+1" in page
    assert "+0.5" in page


def test_an_unknown_mode_is_refused(alice, isolated_media):
    response = post_audio(alice, "/api/v1/transcribe/", mode="maybe")
    assert response.status_code == 400
    assert "mode" in response.json()["message"]
    assert_nothing_ordered(alice, isolated_media)


def test_quotes_refuse_what_orders_refuse(alice, tmp_path, isolated_media):
    text = tmp_path / "notes.mp3"
    text.write_bytes(b"not audio at all\n" * 100)
    assert post_audio(alice, "/api/v1/quote/", text).status_code == 415
    # Klingon: no enabled engine transcribes it.
    assert post_audio(alice, "/api/v1/quote/", language="tlh").status_code == 400
    assert alice.client().post("/api/v1/quote/", {}, format="multipart").status_code == 400
    assert_nothing_ordered(alice, isolated_media)


@pytest.mark.parametrize(
    ("name", "options"),
    [("jfk.flac", {}), ("hotwords.mp3", {}), ("stereo_diarization.wav", {"diarization": "true"}),
     ("librivox_ss01_0920.wav", {"job_type": "Summary"})],
)  # fmt: skip
def test_the_quote_is_what_the_same_audio_is_later_charged(alice, settings, name, options):
    settings.HARK_ENGINE_PRICES = {"whisper": Decimal("1.7")}
    settings.HARK_OPTION_PRICES = {"diarization": Decimal("0.4"), "summary": Decimal("0.3")}
    audio = SHARED_AUDIO / name
    quote = post_audio(alice, "/api/v1/quote/", audio, **options).json()

    created = post_audio(alice, "/api/v1/transcribe/", audio, **options)
    assert created.status_code == 200, created.content
    job_run(created.json()["id"])  # the worker's own code path, in this process

    job = TranscriptionJob.objects.get()
    assert job.status == JobStatus.COMPLETED, job.error_message
    charge = LedgerEntry.objects.get(kind=EntryKind.CHARGE, reference=job.billing_reference)
    assert Decimal(str(quote["order_total"])) == job.estimated_credits == job.credits_used
    assert -charge.amount == job.credits_used
    listed = alice.client().get("/api/v1/transcribe/").json()["results"][0]
    assert listed["price"] == quote["order_total"]
    assert listed["seconds"] == quote["seconds"]
