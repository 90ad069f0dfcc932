"""A GoTranscript human-quality order finished at the review desk in a real browser: the
customer's client orders a transcription; once its AI draft is done a reviewer finds it
on the desk with the customer's comment, claims it (a second reviewer then cannot),
corrects a line and delivers it. The customer's receiver is called back (``nope``, then
``ok``) with the finished order, the ledger holds one charge of the order's price, and
the transcript downloaded through the order carries the reviewer's correction. A refund
at the desk instead releases the hold and calls the customer back ``refunded``."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from billing.models import LedgerEntry
from jobs.services.worker import job_run
from orders.models import Order, OrderStatus
from review.models import ReviewStatus, ReviewTask
from tests.browser import DESKTOP, PHONE, chromium, screenshot
from tests.orders.conftest import deliver_callbacks, form_fields, money_state
from tests.review.conftest import PASSWORD, make_staff
from tests.webhook_receiver import Reply, receiving

pytestmark = [pytest.mark.browser]

CORRECTED = "And so, my fellow Americans, ask not what your country can do for you."


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(base + "/")


@pytest.mark.usefixtures("transactional_db")
def test_a_reviewer_delivers_an_order_at_the_desk_and_the_customer_is_called_back_and_charged(
    live_server, gotranscript, media_host, alice
):
    reviewer = make_staff("rita@hark.example", reviewer=True)
    second = make_staff("sam@hark.example", reviewer=True)
    base = live_server.url
    with receiving([Reply(200, b"nope"), Reply(200, b"ok")]) as receiver:
        response = gotranscript.order(
            "transcriptions", mode="live", url=media_host.url + "/jfk.flac", language="english",
            comment="Speaker: President Kennedy.", turnaround_time="3_days",
            callback_url=receiver.url("/gt"),
        )  # fmt: skip
        assert response.status_code == 200, response.text
        order = Order.objects.get(pk=response.json()["order_id"])
        job_run(str(order.transcription_job_id))
        task = ReviewTask.objects.get(job_id=order.transcription_job_id)

        # The ORM may not run while Playwright's loop is open (tests/browser.py).
        with chromium() as browser:
            desk = browser.new_context(viewport=DESKTOP).new_page()
            desk.on("dialog", lambda dialog: dialog.accept())
            sign_in(desk, base, reviewer.email)
            desk.goto(f"{base}/review/")
            row = desk.locator(f"tr[data-task='{task.pk}']")
            expect(row).to_contain_text("Speaker: President Kennedy.")
            screenshot(desk, "order-review-10-desk-desktop")
            row.get_by_role("button", name="Claim").click()
            desk.wait_for_url(f"{base}/review/{task.pk}/")
            expect(desk.locator("[data-role=customer-comment]")).to_contain_text(
                "President Kennedy"
            )
            expect(desk.locator("[data-role=save-state]")).to_have_text("All changes saved")

            other = browser.new_context(viewport=PHONE).new_page()
            sign_in(other, base, second.email)
            other.goto(f"{base}/review/")
            expect(other.locator(f"tr[data-task='{task.pk}']")).to_contain_text(
                "Claimed by rita@hark.example"
            )
            expect(other.locator(f"tr[data-task='{task.pk}'] button")).to_have_count(0)

            first = desk.locator(".ed-seg .ed-text").first
            first.click()
            desk.keyboard.press("Control+A")
            desk.keyboard.type(CORRECTED)
            desk.keyboard.press("Control+S")
            expect(desk.locator("[data-role=save-state]")).to_have_text("All changes saved")
            screenshot(desk, "order-review-20-corrected-desktop")
            desk.get_by_role("button", name="Deliver").click()
            desk.wait_for_url(f"{base}/review/")
            expect(desk.locator(".alert.success")).to_contain_text("delivered")

        clock, rng = timezone.now(), random.Random(3)
        for _ in range(3):
            deliver_callbacks(clock, rng)
            clock += timedelta(hours=1)
        assert [r.body.count(b"finished") > 0 for r in receiver.requests] == [True, True]

    task.refresh_from_db()
    order.refresh_from_db()
    assert (task.status, order.status) == (ReviewStatus.DELIVERED, OrderStatus.FINISHED)
    charges = LedgerEntry.objects.filter(reference=order.hold_reference)
    assert [c.amount for c in charges] == [-order.order_total]
    fields = form_fields(receiver.requests[-1].body, receiver.requests[-1].headers["content-type"])
    assert (fields["order_id"], fields["status"]) == (str(order.pk), "finished")
    text = gotranscript.get(fields["transcription_url"], format="text")
    assert text.status_code == 200, text.text
    assert CORRECTED in text.text
    assert "ask what you can do for your country" not in text.text  # the reviewer cut it


@pytest.mark.usefixtures("transactional_db")
def test_a_reviewer_refunds_an_order_at_the_desk_and_the_customer_is_called_back_refunded(
    live_server, gotranscript, media_host, alice
):
    reviewer = make_staff("rita@hark.example", reviewer=True)
    base = live_server.url
    reason = "The recording is music with no speech to transcribe."
    before = money_state(alice)
    with receiving([Reply(200, b"ok")]) as receiver:
        response = gotranscript.order(
            "transcriptions", mode="live", url=media_host.url + "/jfk.flac", language="english",
            turnaround_time="3_days", callback_url=receiver.url("/gt"),
        )  # fmt: skip
        assert response.status_code == 200, response.text
        order = Order.objects.get(pk=response.json()["order_id"])
        job_run(str(order.transcription_job_id))
        task = ReviewTask.objects.get(job_id=order.transcription_job_id)
        assert money_state(alice)[1] == before[1] + order.order_total  # held meanwhile

        with chromium() as browser:
            desk = browser.new_context(viewport=PHONE).new_page()
            desk.on("dialog", lambda dialog: dialog.accept())
            sign_in(desk, base, reviewer.email)
            desk.goto(f"{base}/review/")
            desk.locator(f"tr[data-task='{task.pk}']").get_by_role("button", name="Claim").click()
            desk.wait_for_url(f"{base}/review/{task.pk}/")
            desk.fill("#refund-reason", reason)
            desk.get_by_role("button", name="Refund").click()
            desk.wait_for_url(f"{base}/review/")
            expect(desk.locator(".alert.success")).to_contain_text("refunded")
            screenshot(desk, "order-review-30-refunded-phone")

        deliver_callbacks(timezone.now(), random.Random(3))

    order.refresh_from_db()
    assert (order.status, order.refund_reason) == (OrderStatus.REFUNDED, reason)
    assert money_state(alice) == before  # nothing charged, nothing held
    assert not LedgerEntry.objects.filter(reference=order.hold_reference).exists()
    [callback] = receiver.requests
    fields = form_fields(callback.body, callback.headers["content-type"])
    assert (fields["order_id"], fields["status"]) == (str(order.pk), "refunded")
    assert fields["transcription_url"] == ""
    read = gotranscript.get(f"/api/v4/orders/{order.pk}").json()["data"]
    assert read["refund_reason"] == reason
