"""Helpers for the money tests: a loopback server standing in for Stripe's API, signed
Stripe events, threads released together, and the ledger invariant."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import stripe
from django.db import connections
from django.db.models import Sum

from billing.models import Hold, HoldStatus, LedgerEntry, Wallet

WEBHOOK_SECRET = "whsec_test_hark_money"
SECRET_KEY = "sk_test_hark_money"


@dataclass
class StripeRequest:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


@dataclass
class StripeStub:
    """Answers ``POST /v1/checkout/sessions`` as Stripe does, recording each request."""

    url: str = ""
    requests: list[StripeRequest] = field(default_factory=list)
    fail_with: tuple[int, dict[str, Any]] | None = None
    sessions: int = 0

    def session_body(self, form: dict[str, list[str]]) -> dict[str, Any]:
        self.sessions += 1
        session_id = f"cs_test_{self.sessions:04d}"
        return {
            "id": session_id,
            "object": "checkout.session",
            "url": f"https://checkout.stripe.test/c/pay/{session_id}",
            "client_reference_id": form.get("client_reference_id", [None])[0],
            "amount_total": int(form["line_items[0][price_data][unit_amount]"][0]),
            "currency": form["line_items[0][price_data][currency]"][0],
            "mode": "payment",
            "payment_status": "unpaid",
            "status": "open",
        }


@contextmanager
def stripe_stub() -> Iterator[StripeStub]:
    stub = StripeStub()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form = urllib.parse.parse_qs(self.rfile.read(length).decode())
            stub.requests.append(
                StripeRequest("POST", self.path, {k.lower(): v for k, v in self.headers.items()},
                              form)
            )  # fmt: skip
            if stub.fail_with is not None:
                status, body = stub.fail_with
            elif self.path == "/v1/checkout/sessions":
                status, body = 200, stub.session_body(form)
            else:
                status, body = 404, {"error": {"type": "invalid_request_error",
                                               "message": "Unrecognized request URL"}}  # fmt: skip
            payload = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    stub.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()


def checkout_event(
    *,
    event_id: str,
    session_id: str,
    topup_id: str,
    amount: int,
    currency: str = "usd",
    event_type: str = "checkout.session.completed",
    payment_status: str = "paid",
) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "type": event_type,
        "created": int(time.time()),
        "livemode": False,
        "data": {
            "object": {
                "id": session_id,
                "object": "checkout.session",
                "client_reference_id": topup_id,
                "amount_total": amount,
                "currency": currency,
                "payment_status": payment_status,
                "payment_intent": f"pi_{session_id[-8:]}",
                "status": "complete",
            }
        },
    }


def signed(event: dict[str, Any], *, secret: str = WEBHOOK_SECRET, at: int | None = None,
           ) -> tuple[str, str]:  # fmt: skip
    """The body and the ``Stripe-Signature`` header Stripe would send, made by
    stripe-python's own generator."""
    body = json.dumps(event)
    header = stripe.WebhookSignature.generate_signature_header(body, secret, timestamp=at)
    return body, header


def race(count: int, action: Callable[[int], Any]) -> list[Any]:
    """Run ``action(i)`` in ``count`` threads released at the same instant; exceptions
    are returned, not raised. Each thread closes its own database connection."""
    barrier = threading.Barrier(count)

    def run(i: int) -> Any:
        try:
            barrier.wait()
            return action(i)
        except Exception as exc:
            return exc
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def assert_books_balance(wallet: Wallet) -> None:
    """balance = sum of the ledger, held = sum of active holds, nothing negative."""
    wallet.refresh_from_db()
    ledger = LedgerEntry.objects.filter(wallet=wallet).aggregate(s=Sum("amount"))["s"]
    held = Hold.objects.filter(wallet=wallet, status=HoldStatus.ACTIVE).aggregate(s=Sum("amount"))[
        "s"
    ] or Decimal("0")
    assert wallet.balance == ledger
    assert wallet.held == held
    assert wallet.balance >= 0
    assert wallet.available >= 0
