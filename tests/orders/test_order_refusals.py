"""Every refusal of the order API is HTTP 400 (404 for an order that is not yours) in
GoTranscript's body ``{"mode", "status": "error", "error"}``, with a sentence a person
understands — and nothing stored, held or charged."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from billing.services import credits_grant
from orders import languages
from orders.models import Order
from orders.services.intake import OrderRequest, order_place
from tests.orders.conftest import money_state
from tests.orders.test_gotranscript_orders import nothing_stored

pytestmark = pytest.mark.django_db(transaction=True)


def refused(response: requests.Response, words: str, *, mode: str = "live", status: int = 400):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["mode"] == mode, body
    assert body["status"] == "error", body
    assert words in body["error"], body["error"]
    return body


@pytest.fixture
def untouched(alice):
    """Asserts after the test that nothing was stored and the wallet did not move."""
    before = money_state(alice)
    yield
    assert nothing_stored()
    assert money_state(alice) == before


def test_every_gotranscript_language_name_has_a_language_code():
    names = {
        *languages.HUMAN_LANGUAGES,
        *languages.AUTOMATIC_LANGUAGES,
        *languages.TRANSLATION_LANGUAGES,
        *languages.ALIGNMENT_LANGUAGES,
    }
    assert {name: languages.code_for(name) for name in names if not languages.code_for(name)} == {}
    assert languages.code_for("persian-farsi") == "fa"
    assert languages.code_for("indian-hindi") == "hi"
    assert languages.code_for("bengali") == "bn"


def test_a_bad_token_is_refused(gotranscript, media_host, untouched):
    gotranscript.token = "hark_not-a-real-key"
    response = gotranscript.order("transcriptions", url=media_host.url + "/jfk.flac",
                                  language="english")  # fmt: skip
    refused(response, "api_token is not valid")
    refused(gotranscript.get("/api/v4/orders"), "api_token is not valid")


def test_no_token_is_refused(gotranscript, media_host, untouched):
    response = requests.post(
        f"{gotranscript.base}/api/v4/captions",
        data={"mode": "test", "url": media_host.url + "/jfk.flac", "language": "english"},
        timeout=30,
    )
    refused(response, "api_token is required", mode="test")


def test_the_token_works_in_the_query_string_and_as_a_bearer_header(gotranscript):
    assert requests.get(
        f"{gotranscript.base}/api/v4/orders", params={"api_token": gotranscript.token}, timeout=30
    ).json() == {"orders": [], "next_page_url": None}
    assert (
        requests.get(
            f"{gotranscript.base}/api/v4/orders",
            headers={"Authorization": f"Bearer {gotranscript.token}"},
            timeout=30,
        ).status_code
        == 200
    )


def test_an_unknown_language_lists_the_valid_names(gotranscript, media_host, untouched):
    response = gotranscript.order("transcriptions", mode="test", url=media_host.url + "/jfk.flac",
                                  language="klingon")  # fmt: skip
    body = refused(response, "'klingon' is not an available language", mode="test")
    assert "english" in body["error"]
    assert "persian-farsi" in body["error"]
    # automatic_transcriptions offers fewer languages than human transcriptions.
    response = gotranscript.order("automatic_transcriptions", url=media_host.url + "/jfk.flac",
                                  language="bengali")  # fmt: skip
    refused(response, "'bengali' is not an available language")


def test_a_turnaround_the_language_does_not_offer_is_refused(gotranscript, media_host, untouched):
    response = gotranscript.order("transcriptions", url=media_host.url + "/jfk.flac",
                                  language="french", turnaround_time="12_hours")  # fmt: skip
    refused(response, "not offered for french; it supports only 5_days")
    response = gotranscript.order("captions", url=media_host.url + "/jfk.flac",
                                  language="dutch", turnaround_time="1_days")  # fmt: skip
    refused(response, "supports only 3_days, 5_days")


def test_from_beyond_the_end_and_till_before_from_are_refused(gotranscript, media_host, untouched):
    url = media_host.url + "/jfk.flac"
    refused(
        gotranscript.order("transcriptions", url=url, language="english", **{"from": "30"}),
        "the recording is only 11.0 seconds long",
    )
    refused(
        gotranscript.order("transcriptions", url=url, language="english",
                           **{"from": "5", "till": "3"}),
        "till must be later than from",
    )  # fmt: skip
    refused(
        gotranscript.order("transcriptions", url=url, language="english", **{"from": "-1"}),
        "from",
    )


def test_urls_that_are_not_media_or_not_reachable_are_refused(gotranscript, media_host, untouched):
    refused(
        gotranscript.order("automatic_transcriptions", url=media_host.url + "/page.html",
                           language="english"),
        "",
    )  # fmt: skip
    refused(
        gotranscript.order("automatic_transcriptions", url=media_host.url + "/missing.mp3",
                           language="english"),
        "answered HTTP 404",
    )  # fmt: skip
    refused(
        gotranscript.order("subtitles", url="http://10.0.0.1/a.mp3", translate_from="english",
                           translate_to="german"),
        "cannot be fetched",
    )  # fmt: skip


def test_a_callback_url_the_guard_refuses_is_refused(gotranscript, media_host, untouched):
    response = gotranscript.order(
        "automatic_transcriptions", url=media_host.url + "/jfk.flac", language="english",
        callback_url="http://169.254.169.254/x",
    )  # fmt: skip
    refused(response, "not allowed")


def test_malformed_input_is_refused(gotranscript, media_host, untouched):
    refused(gotranscript.order("transcriptions", url="not a url", language="english"), "url")
    refused(gotranscript.order("subtitles", url=media_host.url + "/jfk.flac"), "translate_from")
    refused(gotranscript.order("captions", mode="maybe", url=media_host.url + "/jfk.flac",
                               language="english"), "mode")  # fmt: skip
    refused(
        gotranscript.order("transcriptions", url=media_host.url + "/jfk.flac",
                           language="english", text_format="pretty"),
        "'pretty' is not an available text_format",
    )  # fmt: skip
    refused(gotranscript.get("/api/v4/orders", cursor="abc"), "cursor is not valid")


def test_an_order_the_wallet_cannot_pay_is_refused(gotranscript, media_host, alice):
    credits_grant(organization=alice.organization, amount=Decimal("-59.90"), reason="test")
    before = money_state(alice)
    response = gotranscript.order("transcriptions", url=media_host.url + "/jfk.flac",
                                  language="english")  # fmt: skip
    refused(response, "You have 0.1 credits remaining but this order requires 0.28 credits.")
    assert not Order.objects.exists()
    assert money_state(alice) == before


def test_another_organizations_orders_are_404_on_every_route(gotranscript, media_host, alice, bob):
    placed = order_place(
        organization=bob.organization,
        request=OrderRequest(type="automatic_transcriptions", mode="live",
                             url=media_host.url + "/jfk.flac", language="english"),
        actor=bob.user,
    )  # fmt: skip
    assert placed.order is not None
    theirs = placed.order.pk
    before = money_state(alice), money_state(bob)
    for path in (f"/api/v4/orders/{theirs}", f"/api/v4/orders/{theirs}/transcription",
                 f"/api/v4/orders/{theirs}/captions", "/api/v4/orders/999999",
                 "/api/v4/orders/abc"):  # fmt: skip
        body = refused(gotranscript.get(path), "not found", status=404)
        assert str(theirs) not in body["error"]
    assert gotranscript.get("/api/v4/orders").json()["orders"] == []
    assert (money_state(alice), money_state(bob)) == before
