"""GoTranscript's ``translations`` order: a .txt or .docx document from a loopback host,
priced per word, machine-translated by Apertium's offline pairs, called back and
downloadable in the order file formats."""

from __future__ import annotations

import io
import random

import docx
import pytest
from django.utils import timezone
from django_q.models import OrmQ

from billing.models import Hold, HoldStatus, LedgerEntry
from orders.models import Order, OrderCallback, OrderDocument, OrderStatus
from orders.services.callbacks import callback_attempt
from orders.tasks import translate_document
from tests.orders.conftest import money_state
from tests.upstreams.loopback import Reply as MediaReply
from tests.webhook_receiver import Reply, receiving

pytestmark = pytest.mark.django_db(transaction=True)

TEXT = "The house is big.\n\nThe dog eats bread in the kitchen.\n"  # 11 words


def _docx_bytes(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def documents(media_host):
    media_host.serve("/letter.txt", MediaReply(200, TEXT.encode(), {"Content-Type": "text/plain"}))
    media_host.serve(
        "/letter.docx",
        MediaReply(200, _docx_bytes(TEXT.split("\n\n")), {"Content-Type": "application/vnd."
                   "openxmlformats-officedocument.wordprocessingml.document"}),
    )  # fmt: skip
    return media_host


def nothing_stored() -> bool:
    return not (
        Order.objects.exists()
        or OrderDocument.objects.exists()
        or Hold.objects.exists()
        or OrmQ.objects.exists()
        or OrderCallback.objects.exists()
    )


def test_mode_test_prices_a_translation_per_word_and_stores_nothing(gotranscript, documents, alice):
    before = money_state(alice)
    response = gotranscript.order(
        "translations", mode="test", url=documents.url + "/letter.txt",
        translate_from="english", translate_to="spanish",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["mode"], body["status"], body["words"], body["seconds"]) == (
        "test",
        "success",
        11,
        0,
    )
    assert body["order_total"] == pytest.approx(0.22)  # 0.02 per word
    assert body["in_wallet"] == 60.0
    assert len(body["delivery_estimate"]) == 19
    assert "order_id" not in body
    assert nothing_stored()
    assert money_state(alice) == before


def test_a_live_docx_translation_is_translated_called_back_and_downloadable(
    gotranscript, documents, alice
):
    with receiving([Reply(200, b"ok")]) as receiver:
        response = gotranscript.order(
            "translations", mode="live", url=documents.url + "/letter.docx",
            translate_from="english", translate_to="spanish", comment="Formal",
            callback_url=receiver.url("/gt"),
        )  # fmt: skip
        assert response.status_code == 200, response.text
        body = response.json()
        order = Order.objects.get(pk=body["order_id"])
        assert (order.words, body["words"]) == (11, 11)
        assert Hold.objects.get(reference=order.hold_reference).status == HoldStatus.ACTIVE
        assert OrmQ.objects.count() == 1

        assert translate_document(order.pk) is True
        assert translate_document(order.pk) is False  # a redelivered task does nothing
        for callback in OrderCallback.objects.filter(order=order):
            callback_attempt(callback.pk, now=timezone.now(), rng=random.Random(1))

    order.refresh_from_db()
    assert order.status == OrderStatus.FINISHED
    assert [e.amount for e in LedgerEntry.objects.filter(reference=order.hold_reference)] == [
        -order.order_total
    ]
    fields = OrderCallback.objects.get(order=order).fields
    assert set(fields) == {"mode", "order_id", "status", "translation_url"}
    assert fields["status"] == "finished"
    assert len(receiver.requests) == 1
    text = gotranscript.get(fields["translation_url"], format="text")
    assert text.status_code == 200, text.text
    assert "casa" in text.text.lower()
    assert "perro" in text.text.lower()
    for fmt in ("docx", "pdf", "html", "json"):
        assert gotranscript.get(fields["translation_url"], format=fmt).status_code == 200, fmt


def test_a_pair_no_translator_offers_is_a_400_naming_what_is_offered(
    gotranscript, documents, alice
):
    response = gotranscript.order(
        "translations", mode="live", url=documents.url + "/letter.txt",
        translate_from="english", translate_to="thai",
    )  # fmt: skip
    assert response.status_code == 400
    error = response.json()["error"]
    assert "Thai" in error
    assert "Spanish (es)" in error
    assert nothing_stored()


@pytest.mark.parametrize(
    "fields",
    [
        {"url": "{host}/jfk.flac", "translate_from": "english", "translate_to": "spanish"},
        {"url": "{host}/letter.txt", "translate_from": "klingon", "translate_to": "spanish"},
        {"url": "not a url", "translate_from": "english", "translate_to": "spanish"},
        {"url": "{host}/letter.txt", "translate_from": "english"},
    ],
    ids=["audio-not-a-document", "unknown-language", "malformed-url", "missing-target"],
)
def test_malformed_translation_orders_are_400s_that_charge_nothing(
    gotranscript, documents, alice, fields
):
    before = money_state(alice)
    data = {key: value.replace("{host}", documents.url) for key, value in fields.items()}
    response = gotranscript.order("translations", mode="live", **data)
    assert response.status_code == 400, response.text
    assert response.json()["status"] == "error"
    assert nothing_stored()
    assert money_state(alice) == before


def test_a_translation_no_translator_can_make_any_more_is_refunded(
    gotranscript, documents, alice, settings
):
    response = gotranscript.order(
        "translations", mode="live", url=documents.url + "/letter.txt",
        translate_from="english", translate_to="spanish",
    )  # fmt: skip
    order = Order.objects.get(pk=response.json()["order_id"])
    balance = money_state(alice)[0]
    settings.HARK_APERTIUM_COMMAND = "/nonexistent/apertium"

    assert translate_document(order.pk) is True

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refund_reason.endswith("Its price was returned to your wallet.")
    assert Hold.objects.get(reference=order.hold_reference).status == HoldStatus.RELEASED
    assert money_state(alice)[0] == balance


def test_another_organizations_translation_is_a_404_like_a_missing_one(
    gotranscript, documents, alice, bob
):
    response = gotranscript.order(
        "translations", mode="live", url=documents.url + "/letter.txt",
        translate_from="english", translate_to="spanish",
    )  # fmt: skip
    order_id = response.json()["order_id"]
    gotranscript.token = bob.raw_key
    theirs = gotranscript.get(f"/api/v4/orders/{order_id}/translation")
    missing = gotranscript.get(f"/api/v4/orders/{order_id + 1000}/translation")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
