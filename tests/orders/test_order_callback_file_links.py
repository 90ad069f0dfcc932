"""A finished order's callback gives file URLs that work as GoTranscript's do: fetched as
they are, or with ``&format=json`` appended, with no credential of the customer's own.
Their ``api_token`` opens that order's files and nothing else, until it expires.

Every URL is fetched as a GoTranscript client's callback handler does: ``requests`` with
nothing added but ``&format=…``."""

from __future__ import annotations

import base64
import json
import random
from datetime import timedelta
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from django.core.signing import b62_decode, b62_encode
from django.utils import timezone

from accounts.services import api_key_revoke
from jobs.services.worker import job_run
from orders.file_tokens import PREFIX, order_file_token
from orders.models import Order, OrderCallback, OrderStatus, OrderType
from orders.services.fulfilment import callback_fields
from tests.orders.conftest import (
    deliver_callbacks,
    form_fields,
    make_order,
    money_state,
)
from tests.webhook_receiver import Reply, receiving

pytestmark = pytest.mark.django_db(transaction=True)

NOT_YET = "its files are served once it is finished"  # the token got past authentication


def fetch(url: str) -> requests.Response:
    return requests.get(url, timeout=60)


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["api_token"][0]


def refused(response: requests.Response, words: str) -> None:
    """The order API's refusal: HTTP 400 and GoTranscript's error body, with a sentence."""
    assert response.status_code == 400, response.text
    body = response.json()
    assert (body["mode"], body["status"]) == ("live", "error"), body
    assert words in body["error"], body["error"]


def called_back(gotranscript, media_host) -> tuple[Order, dict[str, str]]:
    """A live automatic transcription of jfk.flac, transcribed, and the fields of the
    callback its receiver got."""
    with receiving([Reply(200, b"ok")]) as receiver:
        response = gotranscript.order(
            "automatic_transcriptions", mode="live", url=media_host.url + "/jfk.flac",
            language="english", callback_url=receiver.url("/gt"),
        )  # fmt: skip
        assert response.status_code == 200, response.text
        order = Order.objects.get(pk=response.json()["order_id"])
        job_run(str(order.transcription_job_id))
        assert deliver_callbacks(timezone.now(), random.Random(3)) == 1
    [request] = receiver.requests
    return order, form_fields(request.body, request.headers["content-type"])


def test_without_a_public_url_the_callback_links_name_the_host_the_order_came_to(
    gotranscript, media_host, alice, settings
):
    settings.HARK_PUBLIC_URL = ""  # the callback is sent by a worker, with no request
    order, fields = called_back(gotranscript, media_host)
    transcription = fields["transcription_url"]
    assert transcription.startswith(
        f"{gotranscript.base}/api/v4/orders/{order.pk}/transcription?api_token="
    ), transcription
    as_json = fetch(transcription + "&format=json")
    assert as_json.status_code == 200, as_json.text
    assert "country" in as_json.text.lower()


def called_back_urls(order: Order) -> dict[str, str]:
    """The file URLs the callback of ``order`` (marked finished) would carry."""
    Order.objects.filter(pk=order.pk).update(status=OrderStatus.FINISHED)
    order.refresh_from_db()
    return {k: v for k, v in callback_fields(order).items() if k.endswith("_url")}


def test_a_finished_orders_callback_urls_work_as_received_and_with_format_json_appended(
    gotranscript, media_host, alice
):
    order, fields = called_back(gotranscript, media_host)
    assert fields["status"] == "finished"
    assert OrderCallback.objects.get(order=order).fields == fields  # retries send the same
    base = f"{gotranscript.base}/api/v4/orders/{order.pk}"
    transcription, captions = fields["transcription_url"], fields["captions_url"]
    assert transcription.startswith(f"{base}/transcription?api_token="), transcription
    assert captions.startswith(f"{base}/captions?api_token="), captions
    token = token_of(transcription)
    assert token == token_of(captions)
    assert token.startswith(PREFIX)
    assert all(gotranscript.token not in value for value in fields.values())  # never the key

    as_received = fetch(transcription)
    assert as_received.status_code == 200, as_received.text
    assert as_received.content[:2] == b"PK"  # docx unless asked
    as_json = fetch(transcription + "&format=json")  # the seed's pattern
    assert as_json.status_code == 200, as_json.text
    assert "country" in json.dumps(json.loads(as_json.content)).lower()
    assert "-->" in fetch(captions).text  # SRT
    assert fetch(captions + "&format=vtt").text.startswith("WEBVTT")

    # The same token opens nothing else: the order itself, the list, placing an order.
    refused(fetch(f"{base}?api_token={quote(token)}"), "downloads only that order's files")
    refused(
        fetch(f"{gotranscript.base}/api/v4/orders?api_token={quote(token)}"),
        "downloads only that order's files",
    )
    before = (Order.objects.count(), money_state(alice))
    placed = requests.post(
        f"{gotranscript.base}/api/v4/automatic_transcriptions",
        data={"api_token": token, "mode": "live", "url": media_host.url + "/jfk.flac",
              "language": "english"},
        timeout=60,
    )  # fmt: skip
    refused(placed, "downloads only that order's files")
    assert (Order.objects.count(), money_state(alice)) == before


def test_the_token_is_refused_on_another_orders_files_of_either_organization(
    gotranscript, alice, bob
):
    order = make_order(alice, OrderType.CAPTIONS)
    token = token_of(called_back_urls(order)["captions_url"])
    for other in (make_order(alice, OrderType.CAPTIONS), make_order(bob, OrderType.CAPTIONS)):
        Order.objects.filter(pk=other.pk).update(status=OrderStatus.FINISHED)
        url = f"{gotranscript.base}/api/v4/orders/{other.pk}/captions?api_token={quote(token)}"
        refused(fetch(url), f"downloads the files of order {order.pk} only")
        refused(fetch(url + "&format=json"), f"downloads the files of order {order.pk} only")


def test_a_tampered_token_is_refused(gotranscript, alice):
    order = make_order(alice, OrderType.SUBTITLES)
    url = called_back_urls(order)["subtitles_url"]
    Order.objects.update(status=OrderStatus.PROCESSING)
    refused(fetch(url), NOT_YET)  # as made: past authentication

    token = token_of(url)
    payload, issued, signature = token.removeprefix(PREFIX).split(":")
    # Another order's id under the original signature.
    other = make_order(alice, OrderType.SUBTITLES)
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["o"] == order.pk
    claims["o"] = other.pk
    repointed = base64.urlsafe_b64encode(json.dumps(claims, separators=(",", ":")).encode())
    forged = f"{PREFIX}{repointed.decode().rstrip('=')}:{issued}:{signature}"
    # A later issue time (to outlive its days) under the original signature.
    postdated = f"{PREFIX}{payload}:{b62_encode(b62_decode(issued) + 86400)}:{signature}"
    flipped = token[:-1] + ("A" if token[-1] != "A" else "B")
    base = f"{gotranscript.base}/api/v4/orders"
    for bad, order_id in ((forged, other.pk), (postdated, order.pk), (flipped, order.pk)):
        response = fetch(f"{base}/{order_id}/subtitles?api_token={quote(bad)}&format=json")
        refused(response, "api_token is not complete or was changed")


def test_an_expired_token_is_refused_and_one_just_within_its_days_is_not(
    gotranscript, alice, settings
):
    settings.HARK_ORDER_FILE_TOKEN_DAYS = 30
    order = make_order(alice, OrderType.TRANSCRIPTION)
    url = f"{gotranscript.base}/api/v4/orders/{order.pk}/transcription?api_token="
    now = timezone.now()
    expired = order_file_token(order, issued_at=now - timedelta(days=30, minutes=1))
    refused(fetch(url + quote(expired)), "expired 30 days after it was sent")
    refused(fetch(url + quote(expired) + "&format=json"), "expired")
    fresh = order_file_token(order, issued_at=now - timedelta(days=29, hours=23))
    refused(fetch(url + quote(fresh)), NOT_YET)


def test_the_token_stops_working_when_the_key_that_placed_the_order_is_revoked(gotranscript, alice):
    url = called_back_urls(make_order(alice, OrderType.TRANSLATION))["translation_url"]
    Order.objects.update(status=OrderStatus.PROCESSING)
    refused(fetch(url), NOT_YET)
    assert api_key_revoke(organization=alice.organization, key_id=alice.api_key.pk, actor=None)
    refused(fetch(url + "&format=json"), "its API key was revoked")


def test_downloads_with_a_file_token_count_against_the_organizations_rate_limit(
    gotranscript, alice, settings
):
    settings.HARK_API_RATE = "2/min"
    order = make_order(alice, OrderType.TRANSCRIPTION, status=OrderStatus.PROCESSING)
    url = called_back_urls(order)["transcription_url"]
    Order.objects.update(status=OrderStatus.PROCESSING)
    for _ in range(2):
        refused(fetch(url), NOT_YET)
    # Refused as every /api/v4/ refusal is: HTTP 400 with GoTranscript's error body.
    refused(fetch(url), "Too many requests")
    # The organization's own key shares that budget.
    assert "Too many requests" in gotranscript.get("/api/v4/orders").json()["error"]


def test_a_refunded_orders_callback_has_no_file_urls_and_so_no_token(alice):
    order = make_order(alice, OrderType.CAPTIONS, status=OrderStatus.REFUNDED)
    fields = callback_fields(order)
    assert (fields["captions_url"], fields["transcription_url"]) == ("", "")
