"""Fixtures for GoTranscript-style orders: a loopback media host serving the shared
audio, a live Hark server, and a GoTranscript client (plain ``requests``, form-encoded,
``api_token`` in the body) as its customers write one."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import pytest
import requests
from django.utils import timezone

from billing.models import LedgerEntry
from billing.selectors import wallet_for
from orders.models import Order, OrderCallback, OrderType
from orders.services.callbacks import callback_attempt
from tests.audio_fixtures import SHARED_AUDIO
from tests.conftest import Persona
from tests.upstreams.loopback import Reply
from tests.upstreams.media import MediaHost


@pytest.fixture
def media_host(settings) -> Iterator[MediaHost]:
    # The self-hosted exception to the SSRF guard, exactly as an operator would set it.
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with MediaHost().running() as host:
        host.serve("/jfk.flac", Reply(200, (SHARED_AUDIO / "jfk.flac").read_bytes(),
                                      {"Content-Type": "audio/flac"}))  # fmt: skip
        host.serve("/page.html", Reply(200, b"<html>not audio</html>",
                                       {"Content-Type": "text/html"}))  # fmt: skip
        yield host


@dataclass
class GoTranscriptClient:
    """What a GoTranscript customer's code does: POST forms, GET with query strings."""

    base: str
    token: str

    def order(self, kind: str, **fields: Any) -> requests.Response:
        return requests.post(
            f"{self.base}/api/v4/{kind}", data={"api_token": self.token, **fields}, timeout=60
        )

    def get(self, url: str, **params: Any) -> requests.Response:
        if url.startswith("/"):
            url = f"{self.base}{url}"
        return requests.get(url, params={"api_token": self.token, **params}, timeout=60)


@pytest.fixture
def gotranscript(live_server, alice: Persona, settings) -> GoTranscriptClient:
    settings.HARK_PUBLIC_URL = live_server.url
    return GoTranscriptClient(live_server.url, alice.raw_key)


def money_state(persona: Persona) -> tuple[Decimal, Decimal, int]:
    wallet = wallet_for(persona.organization)
    return wallet.balance, wallet.held, LedgerEntry.objects.filter(wallet=wallet).count()


def make_order(persona: Persona, order_type: str = OrderType.TRANSCRIPTION, **fields: Any) -> Order:
    """An order row as intake stores one, without its job: for tests of what reads orders."""
    return Order.objects.create(
        organization=persona.organization, api_key=persona.api_key, type=order_type,
        source_url="https://media.example.com/talk.mp3", hold_reference=Order.new_hold_reference(),
        delivery_estimate=timezone.now() + timedelta(days=3), **fields,
    )  # fmt: skip


def form_fields(body: bytes, content_type: str) -> dict[str, str]:
    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    return {
        str(part.get_param("name", header="content-disposition")): part.get_content()
        for part in message.iter_parts()
    }


def deliver_callbacks(now: datetime, rng: random.Random) -> int:
    """Run every due callback attempt at ``now`` (what the scheduled tasks do); how many ran."""
    ran = 0
    for callback in OrderCallback.objects.filter(status="pending", next_attempt_at__lte=now):
        if callback_attempt(callback.pk, now=now, rng=rng) is not None:
            ran += 1
    return ran
