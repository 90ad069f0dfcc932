"""The URLs GoTranscript's answers give — file URLs and ``next_page_url`` — carry the
caller's ``api_token`` and work as they are, or with ``&format=json`` appended as
GoTranscript's documentation does; ``mode=test`` answers its sample orders, one of each
type, with test files; an order shows the fields GoTranscript documents.

Every URL is fetched the way a GoTranscript client does: ``requests.get(url)`` with
nothing added but ``&format=…`` — no token of its own."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest
import requests
from django.test import Client

from accounts.services import api_key_create
from jobs.services.worker import job_run
from orders.models import Order, OrderStatus, OrderType
from review import services as review
from review.models import ReviewTask
from tests.orders.conftest import GoTranscriptClient, make_order
from tests.review.conftest import make_staff

pytestmark = pytest.mark.django_db(transaction=True)

# GoTranscript's "Order response description": the fields every order has.
SEED_FIELDS = {
    "id", "type", "price", "paid_at", "delivery_estimate", "finished_at", "comment",
    "seconds", "words", "translate_from", "translate_to", "language", "text_format",
    "timestamping", "turnaround_time", "number_of_speakers", "captions",
}  # fmt: skip
# What Hark adds (GoTranscript's clients ignore what they do not know).
HARK_FIELDS = {"status", "refund_reason"}
# The file URL fields each type's callback documents.
SEED_FILE_FIELDS = {
    "transcriptions": {"transcription_url"},
    "automatic_transcriptions": {"transcription_url", "captions_url"},
    "transcription_proofreading": {"proofread_transcription_url", "proofread_captions_url"},
    "captions": {"captions_url", "transcription_url"},
    "translations": {"translation_url"},
    "subtitles": {"subtitles_url"},
    "forced_alignment": {"forced_alignment_transcription_url"},
}
# The transcription formats GoTranscript lists; captions files are SRT and VTT besides.
SEED_FORMATS = ("docx", "doc", "pdf", "text", "html", "json")
# mode=test: each sample's file fields → the test file GoTranscript's examples name.
SEED_TEST_FILES = {
    "transcriptions": {"transcription_url": "transcriptions"},
    "automatic_transcriptions": {
        "transcription_url": "automatic_transcriptions", "captions_url": "captions",
    },
    "transcription_proofreading": {
        "proofread_transcription_url": "transcription_proofreading",
        "proofread_captions_url": "captions",
    },
    "captions": {"captions_url": "captions", "transcription_url": "transcriptions"},
    "translations": {"translation_url": "translations"},
    "subtitles": {"subtitles_url": "subtitles"},
}  # fmt: skip
TIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$")


def fetch(url: str) -> requests.Response:
    """What GoTranscript's example code does with a URL it was given: GET it as it is."""
    return requests.get(url, timeout=60)


def every_page(url: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Follow ``next_page_url`` until it is null: every order seen, and every URL fetched."""
    orders, urls = [], [url]
    while True:
        response = fetch(url)
        assert response.status_code == 200, response.text
        body = response.json()
        orders.extend(body["orders"])
        if body["next_page_url"] is None:
            return orders, urls
        url = body["next_page_url"]
        urls.append(url)


def assert_format(response: requests.Response, fmt: str) -> None:
    assert response.status_code == 200, (fmt, response.text[:300])
    content = response.content
    if fmt in ("docx", "doc"):
        assert content[:2] == b"PK"
    elif fmt == "pdf":
        assert content[:5] == b"%PDF-"
    elif fmt == "json":
        assert json.loads(content)["segments"]
    elif fmt == "html":
        assert b"<" in content
        assert b"</" in content
    elif fmt == "srt":
        assert b"-->" in content
        assert not content.startswith(b"WEBVTT")
    elif fmt == "vtt":
        assert content.startswith(b"WEBVTT")
    else:
        assert b"-->" not in content
        assert len(content) > 20


def _token_query(token: str) -> str:
    return f"api_token={quote(token, safe='')}"


def test_next_page_url_carries_the_token_and_pages_past_50_orders_each_seen_once(
    gotranscript, alice, bob
):
    mine = {make_order(alice).pk for _ in range(53)}
    theirs = {make_order(bob).pk for _ in range(2)}

    orders, urls = every_page(
        f"{gotranscript.base}/api/v4/orders?{_token_query(gotranscript.token)}"
    )

    ids = [o["id"] for o in orders]
    assert len(ids) == len(set(ids)) == 53
    assert set(ids) == mine
    assert not set(ids) & theirs
    assert ids == sorted(ids, reverse=True)
    assert len(urls) == 2  # 50, then 3
    # GoTranscript's shape: ?mode=…&api_token=…&cursor=…
    assert re.fullmatch(
        rf"{re.escape(gotranscript.base)}/api/v4/orders\?mode=live&"
        rf"{re.escape(_token_query(gotranscript.token))}&cursor=\d+",
        urls[1],
    ), urls[1]


def _finished_captions_order(gotranscript: GoTranscriptClient, media_host) -> Order:
    """A live captions order through the real path: placed, drafted, delivered by a
    reviewer."""
    response = gotranscript.order(
        "captions", mode="live", url=media_host.url + "/jfk.flac", language="english"
    )
    assert response.status_code == 200, response.text
    order = Order.objects.get(pk=response.json()["order_id"])
    job_run(str(order.transcription_job_id))
    reviewer = make_staff("rita@hark.example", reviewer=True)
    task = ReviewTask.objects.get(job=order.transcription_job)
    review.deliver(review.claim(task, reviewer), reviewer)
    order.refresh_from_db()
    assert order.status == OrderStatus.FINISHED
    return order


def test_a_finished_captions_orders_urls_serve_every_seed_format_with_format_appended(
    gotranscript, media_host
):
    order = _finished_captions_order(gotranscript, media_host)
    data = fetch(
        f"{gotranscript.base}/api/v4/orders/{order.pk}?{_token_query(gotranscript.token)}"
    ).json()["data"]
    token = _token_query(gotranscript.token)
    assert data["captions_url"] == (
        f"{gotranscript.base}/api/v4/orders/{order.pk}/captions?{token}"
    )
    assert data["transcription_url"] == (
        f"{gotranscript.base}/api/v4/orders/{order.pk}/transcription?{token}"
    )

    assert_format(fetch(data["captions_url"]), "srt")  # captions are SRT unless asked
    assert_format(fetch(data["transcription_url"]), "docx")
    for fmt in (*SEED_FORMATS, "srt", "vtt"):
        assert_format(fetch(f"{data['captions_url']}&format={fmt}"), fmt)
        assert_format(fetch(f"{data['transcription_url']}&format={fmt}"), fmt)
    assert b"country" in fetch(f"{data['transcription_url']}&format=text").content.lower()


def test_an_api_token_in_a_json_body_authenticates_and_is_the_one_urls_carry(
    gotranscript, media_host, alice
):
    quoted = requests.post(
        f"{gotranscript.base}/api/v4/transcriptions",
        json={"api_token": gotranscript.token, "mode": "test",
              "url": media_host.url + "/jfk.flac", "language": "english"},
        timeout=60,
    )  # fmt: skip
    assert quoted.status_code == 200, quoted.text
    assert (quoted.json()["mode"], quoted.json()["seconds"]) == ("test", 11)
    assert not Order.objects.exists()

    order = make_order(alice, OrderType.SUBTITLES)
    listed = requests.get(
        f"{gotranscript.base}/api/v4/orders", json={"api_token": gotranscript.token},
        timeout=60,
    )  # fmt: skip
    assert listed.status_code == 200, listed.text
    assert listed.json()["orders"][0]["subtitles_url"] == (
        f"{gotranscript.base}/api/v4/orders/{order.pk}/subtitles?{_token_query(gotranscript.token)}"
    )


def test_a_token_header_authenticates_and_urls_carry_that_key_not_another(gotranscript, alice):
    # A second key of the same organization: the answer names only the one presented.
    _, other_key = api_key_create(
        organization=alice.organization, name="other", created_by=alice.user
    )
    for _ in range(51):
        order = make_order(alice, OrderType.TRANSLATION)
    response = requests.get(
        f"{gotranscript.base}/api/v4/orders",
        headers={"Authorization": f"Token {other_key}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["orders"][0]["translation_url"] == (
        f"{gotranscript.base}/api/v4/orders/{order.pk}/translation?{_token_query(other_key)}"
    )
    assert _token_query(other_key) in body["next_page_url"]
    assert gotranscript.token not in response.text
    assert fetch(body["next_page_url"]).json()["next_page_url"] is None


def test_a_signed_in_member_gets_urls_without_any_token(gotranscript, alice):
    order = make_order(alice, OrderType.CAPTIONS)
    browser = Client()
    browser.force_login(alice.user)
    response = browser.get(f"/api/v4/orders/{order.pk}")
    assert response.status_code == 200, response.content
    data = response.json()["data"]
    assert data["captions_url"] == f"{gotranscript.base}/api/v4/orders/{order.pk}/captions"
    assert "api_token" not in response.content.decode()
    assert gotranscript.token not in response.content.decode()


@pytest.mark.parametrize("order_type", OrderType.values)
def test_an_order_shows_the_fields_gotranscript_documents(gotranscript, alice, order_type):
    order = make_order(alice, order_type, captions=True, comment="Speaker names: Anna")
    response = fetch(
        f"{gotranscript.base}/api/v4/orders/{order.pk}?{_token_query(gotranscript.token)}"
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert set(data) == SEED_FIELDS | HARK_FIELDS | SEED_FILE_FIELDS[order_type]
    assert (data["id"], data["type"], data["comment"]) == (order.pk, order_type,
                                                          "Speaker names: Anna")  # fmt: skip
    assert isinstance(data["price"], float)
    assert all(isinstance(data[f], int) for f in ("seconds", "words"))
    assert data["captions"] is True
    assert TIME.match(data["delivery_estimate"])
    assert data["paid_at"] is None
    assert data["finished_at"] is None
    text_fields = SEED_FIELDS - {"id", "price", "seconds", "words", "captions", "paid_at",
                                 "delivery_estimate", "finished_at"}  # fmt: skip
    assert all(isinstance(data[f], str) for f in text_fields)
    for name in SEED_FILE_FIELDS[order_type]:
        assert re.fullmatch(
            rf"{re.escape(gotranscript.base)}/api/v4/orders/{order.pk}/\w+\?"
            rf"{re.escape(_token_query(gotranscript.token))}",
            data[name],
        ), data[name]


def _samples(gotranscript: GoTranscriptClient) -> tuple[list[dict[str, Any]], list[str]]:
    return every_page(
        f"{gotranscript.base}/api/v4/orders?mode=test&{_token_query(gotranscript.token)}"
    )


def test_mode_test_pages_through_one_sample_order_of_each_type(gotranscript, alice):
    make_order(alice)  # a live order never shows among the samples
    samples, urls = _samples(gotranscript)
    ids = [o["id"] for o in samples]
    assert len(ids) == len(set(ids))
    assert sorted(o["type"] for o in samples) == sorted(SEED_TEST_FILES)
    assert Order.objects.count() == 1
    # GoTranscript's mode=test example: a next_page_url, in its shape.
    assert len(urls) > 1
    assert re.fullmatch(
        rf"{re.escape(gotranscript.base)}/api/v4/orders\?mode=test&"
        rf"{re.escape(_token_query(gotranscript.token))}&cursor=\d+",
        urls[1],
    ), urls[1]
    # GoTranscript's own example is order 1.
    first = next(o for o in samples if o["id"] == 1)
    assert (first["type"], first["price"], first["seconds"]) == ("captions", 1.21, 1000)


@pytest.mark.parametrize("order_type", sorted(SEED_TEST_FILES))
def test_mode_test_sample_of_each_type_points_at_its_test_files(gotranscript, order_type):
    samples, _ = _samples(gotranscript)
    sample = next(o for o in samples if o["type"] == order_type)
    token = _token_query(gotranscript.token)
    assert set(sample) == SEED_FIELDS | HARK_FIELDS | set(SEED_TEST_FILES[order_type])
    assert sample["status"] == "finished"
    assert TIME.match(sample["finished_at"])
    for field, test_file in SEED_TEST_FILES[order_type].items():
        assert sample[field] == f"{gotranscript.base}/api/v4/test-file/{test_file}?{token}"
        assert_format(fetch(f"{sample[field]}&format=json"), "json")
    # Reading the sample by its id answers that sample, not another.
    read = fetch(f"{gotranscript.base}/api/v4/orders/{sample['id']}?mode=test&{token}")
    assert read.status_code == 200, read.text
    assert read.json()["data"] == sample
    assert not Order.objects.exists()


def test_mode_test_reading_an_id_no_sample_has_is_a_404(gotranscript, alice):
    order = make_order(alice, id=7)  # a live order is not a sample either
    for order_id in (order.pk, 999999, "one"):
        response = gotranscript.get(f"/api/v4/orders/{order_id}", mode="test")
        assert response.status_code == 404, response.text
        assert response.json()["mode"] == "test"
        assert response.json()["status"] == "error"
