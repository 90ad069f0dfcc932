"""The review desk in a real browser: a customer orders review of the doubtful segments
from the workspace (quote first, nothing charged), a reviewer claims it, corrects a
segment in the workspace editor with the comment shown and the rest greyed, and delivers
it (the hold charged, review_delivered sent); a second reviewer finds it taken; a refund
gives the credits back. Screenshots at 1280 and 390 px go to test-artifacts/."""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from billing.models import EntryKind, Hold, LedgerEntry, Wallet
from jobs.templatetags.hark_format import credits as credits_label
from jobs.transcripts.selectors import transcript_read
from review.models import ReviewStatus, ReviewTask
from review.signals import review_delivered, review_refunded
from tests.browser import DESKTOP, PHONE, chromium, screenshot, stylesheet_applied
from tests.review.conftest import PASSWORD

pytestmark = [pytest.mark.browser]


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(base + "/")


@pytest.fixture
def heard():
    calls: list[tuple[str, int, str]] = []

    def delivered(sender, task, **kwargs):
        calls.append(("delivered", task.pk, ""))

    def refunded(sender, task, reason, **kwargs):
        calls.append(("refunded", task.pk, reason))

    review_delivered.connect(delivered)
    review_refunded.connect(refunded)
    yield calls
    review_delivered.disconnect(delivered)
    review_refunded.disconnect(refunded)


@pytest.mark.usefixtures("transactional_db")
def test_order_claim_correct_deliver_and_a_second_reviewer_finds_it_taken(
    live_server, alice, ami_job, reviewer, second_reviewer, heard
):
    base = live_server.url
    wallet = Wallet.objects.get(organization=alice.organization)
    with chromium() as browser:
        # The customer: quote (nothing charged), then order.
        customer = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(customer, base, alice.user.email)
        customer.goto(f"{base}/jobs/{ami_job.pk}/")
        customer.get_by_role("link", name="Get a quote").click()
        expect(customer.locator("[data-role=review-quote]")).to_contain_text(
            "nothing has been charged"
        )
        credits = customer.locator("[data-role=review-credits]").inner_text()
        screenshot(customer, "review-10-quote-desktop")
    # The ORM may not run while Playwright's loop is open (tests/browser.py).
    assert Wallet.objects.get(pk=wallet.pk).available == wallet.available
    assert not ReviewTask.objects.exists()

    with chromium() as browser:
        customer = browser.new_context(viewport=DESKTOP).new_page()
        sign_in(customer, base, alice.user.email)
        customer.goto(f"{base}/jobs/{ami_job.pk}/review/")
        customer.fill("#review-comment", "Four people in a meeting; the chair is Anna.")
        customer.locator("[data-role=order-review]").click()
        expect(customer.locator("[data-role=human-review]")).to_contain_text("queued")
    task = ReviewTask.objects.get()
    held = Hold.objects.get(reference=task.hold_reference).amount
    # The recorded meeting has segments Whisper was sure of ("Yeah.", "Okay."): they are
    # shown around the doubtful ones, read-only.
    view = transcript_read(ami_job)
    assert view is not None
    assert len(view.segments) > len(task.segment_ids or [])
    assert credits_label(held) == credits  # the page's own formatting ("0.8 credits")

    with chromium() as browser:
        # The reviewer: the desk, claim, the editor with the comment and context rows.
        desk = browser.new_context(viewport=DESKTOP).new_page()
        desk.on("dialog", lambda dialog: dialog.accept())
        sign_in(desk, base, reviewer.email)
        desk.get_by_role("link", name="Review desk").click()
        assert stylesheet_applied(desk)
        row = desk.locator(f"tr[data-task='{task.pk}']")
        expect(row).to_contain_text(f"{len(task.segment_ids or [])} doubtful segments")
        screenshot(desk, "review-20-desk-desktop")
        row.get_by_role("button", name="Claim").click()
        desk.wait_for_url(f"{base}/review/{task.pk}/")
        expect(desk.locator("[data-role=customer-comment]")).to_contain_text("the chair is Anna")
        expect(desk.locator("[data-role=save-state]")).to_have_text("All changes saved")
        expect(desk.locator(".ed-seg.ed-focus")).to_have_count(len(task.segment_ids or []))
        context_rows = desk.locator(".ed-seg.ed-context")
        # Waited for: the editor may still be drawing rows after the focused ones.
        expect(context_rows.first).to_be_attached()
        assert context_rows.first.locator(".ed-text").get_attribute("contenteditable") == "false"
        screenshot(desk, "review-30-editor-desktop")

        # A second reviewer sees it taken and cannot claim it.
        other = browser.new_context(viewport=PHONE).new_page()
        sign_in(other, base, second_reviewer.email)
        other.goto(f"{base}/review/")
        expect(other.locator(f"tr[data-task='{task.pk}']")).to_contain_text(
            "Claimed by rita@hark.example"
        )
        expect(other.locator(f"tr[data-task='{task.pk}'] button")).to_have_count(0)
        screenshot(other, "review-40-desk-taken-phone")
        other.goto(f"{base}/review/{task.pk}/")
        expect(other.locator("[data-role=task-state]")).to_contain_text("Claimed by rita")
        expect(other.locator("#editor")).to_have_count(0)

        # Correct the first doubtful segment; it saves through the reviewer's path.
        first = desk.locator(".ed-seg.ed-focus .ed-text").first
        first.click()
        desk.keyboard.press("Control+A")
        desk.keyboard.type("I wonder how many meetings are talking about this stuff.")
        desk.keyboard.press("Control+S")
        expect(desk.locator("[data-role=save-state]")).to_have_text("All changes saved")
        desk.set_viewport_size(PHONE)
        screenshot(desk, "review-50-editor-phone")
        desk.set_viewport_size(DESKTOP)
        desk.get_by_role("button", name="Deliver").click()
        desk.wait_for_url(f"{base}/review/")
        expect(desk.locator(".alert.success")).to_contain_text("delivered")

    task.refresh_from_db()
    assert task.status == ReviewStatus.DELIVERED
    charge = LedgerEntry.objects.get(reference=task.hold_reference, kind=EntryKind.CHARGE)
    assert charge.amount == -held
    assert Wallet.objects.get(pk=wallet.pk).balance == wallet.balance - held
    assert heard == [("delivered", task.pk, "")]
    edited = task.job.transcripts.get(kind="edited")
    assert edited.segments.filter(text__contains="talking about this stuff").exists()
    assert edited.revisions.get(version=2).author == reviewer


@pytest.mark.usefixtures("transactional_db")
def test_a_refund_gives_the_credits_back_with_the_reason(
    live_server, alice, jfk_job, ordered_review, reviewer, heard
):
    base = live_server.url
    wallet = Wallet.objects.get(organization=alice.organization)
    task = ordered_review(jfk_job, credits="4.00", comment="Please check the names.")
    assert Wallet.objects.get(pk=wallet.pk).available == wallet.available - Decimal("4.00")
    with chromium() as browser:
        page = browser.new_context(viewport=PHONE).new_page()
        sign_in(page, base, reviewer.email)
        page.goto(f"{base}/review/")
        page.locator(f"tr[data-task='{task.pk}']").get_by_role("button", name="Claim").click()
        page.wait_for_url(f"{base}/review/{task.pk}/")
        expect(page.locator("[data-role=customer-comment]")).to_contain_text("check the names")
        page.fill("#refund-reason", "The recording is too noisy to review.")
        screenshot(page, "review-60-refund-phone")
        page.get_by_role("button", name="Refund").click()
        page.wait_for_url(f"{base}/review/")
        expect(page.locator(".alert.success")).to_contain_text("refunded")

    task.refresh_from_db()
    assert (task.status, task.refund_reason) == (
        ReviewStatus.REFUNDED, "The recording is too noisy to review."
    )  # fmt: skip
    after = Wallet.objects.get(pk=wallet.pk)
    assert (after.balance, after.available) == (wallet.balance, wallet.available)
    assert heard == [("refunded", task.pk, "The recording is too noisy to review.")]
