"""GoTranscript's ``translations`` order: a .txt or .docx document from a loopback host,
priced per word, machine-translated by Apertium's offline pairs, called back and
downloadable in the order file formats."""

from __future__ import annotations

import io
import random
from datetime import timedelta

import docx
import pytest
from django.utils import timezone
from django_q.models import OrmQ

from billing.models import Hold, HoldStatus, LedgerEntry
from orders.models import Order, OrderCallback, OrderDocument, OrderStatus
from orders.services.callbacks import callback_attempt
from orders.services.documents import documents_recover
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


def _crashing_apertium(tmp_path) -> str:
    """An ``apertium`` that lists the real pairs but crashes translating (exit 1): a
    failure that may not happen next time."""
    script = tmp_path / "apertium-crashing"
    script.write_text(
        '#!/bin/sh\nif [ "$1" = "-l" ]; then exec apertium -l; fi\necho crashed >&2\nexit 1\n'
    )
    script.chmod(0o755)
    return str(script)


def test_a_translation_whose_translators_fail_for_now_is_tried_again_not_refunded(
    gotranscript, documents, alice, settings, tmp_path
):
    response = gotranscript.order(
        "translations", mode="live", url=documents.url + "/letter.txt",
        translate_from="english", translate_to="spanish",
    )  # fmt: skip
    order = Order.objects.get(pk=response.json()["order_id"])
    OrmQ.objects.all().delete()
    held = money_state(alice)
    settings.HARK_APERTIUM_COMMAND = _crashing_apertium(tmp_path)
    settings.HARK_APERTIUM_WARM_SECONDS = 0  # every document through the crashing one

    assert translate_document(order.pk) is False

    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    assert Hold.objects.get(reference=order.hold_reference).status == HoldStatus.ACTIVE
    assert money_state(alice) == held
    # The sweeper queues it again; with Apertium working again it is finished.
    assert order.paid_at is not None
    assert documents_recover(order.paid_at + timedelta(minutes=11)) == 1
    settings.HARK_APERTIUM_COMMAND = "apertium"
    [queued] = OrmQ.objects.all()
    assert translate_document(*queued.args()) is True
    order.refresh_from_db()
    assert order.status == OrderStatus.FINISHED


def test_a_translation_failing_for_now_past_its_delivery_estimate_is_refunded(
    gotranscript, documents, alice, settings, tmp_path
):
    before = money_state(alice)[0]
    response = gotranscript.order(
        "translations", mode="live", url=documents.url + "/letter.txt",
        translate_from="english", translate_to="spanish",
    )  # fmt: skip
    order = Order.objects.get(pk=response.json()["order_id"])
    Order.objects.filter(pk=order.pk).update(delivery_estimate=timezone.now() - timedelta(1))
    settings.HARK_APERTIUM_COMMAND = _crashing_apertium(tmp_path)
    settings.HARK_APERTIUM_WARM_SECONDS = 0  # every document through the crashing one

    assert translate_document(order.pk) is True

    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert "Apertium failed" in order.refund_reason
    assert money_state(alice)[0] == before


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


def _lost_order(gotranscript, documents) -> Order:
    """A live translation order whose task was lost: queued, then never run."""
    response = gotranscript.order(
        "translations", mode="live", url=documents.url + "/letter.txt",
        translate_from="english", translate_to="spanish",
    )  # fmt: skip
    assert response.status_code == 200, response.text
    OrmQ.objects.all().delete()
    return Order.objects.get(pk=response.json()["order_id"])


def test_a_translation_order_whose_task_was_lost_is_queued_again_and_finished(
    gotranscript, documents
):
    order = _lost_order(gotranscript, documents)
    assert order.paid_at is not None
    # Within ten minutes the task may simply be waiting its turn: left alone.
    assert documents_recover(order.paid_at + timedelta(minutes=5)) == 0
    assert not OrmQ.objects.exists()

    assert documents_recover(order.paid_at + timedelta(minutes=11)) == 1
    [queued] = OrmQ.objects.all()
    assert queued.func() == "orders.tasks.translate_document"
    assert translate_document(*queued.args()) is True
    order.refresh_from_db()
    assert order.status == OrderStatus.FINISHED
    assert OrderDocument.objects.get(order=order).translated[0].startswith("La casa")
    # A finished order is never queued again.
    assert documents_recover(order.paid_at + timedelta(minutes=30)) == 0


def test_a_translation_order_still_undone_past_its_delivery_estimate_is_refunded(
    gotranscript, documents, alice
):
    before = money_state(alice)[0]
    order = _lost_order(gotranscript, documents)
    assert documents_recover(order.delivery_estimate + timedelta(minutes=1)) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.REFUNDED
    assert order.refund_reason.startswith("The document could not be translated in time.")
    assert Hold.objects.get(reference=order.hold_reference).status == HoldStatus.RELEASED
    assert money_state(alice)[0] == before
    assert "orders.tasks.translate_document" not in [q.func() for q in OrmQ.objects.all()]
