"""An owner sets up a webhook in a real browser and a real worker delivers a test event
to a real receiver; screenshots go to test-artifacts/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from standardwebhooks.webhooks import Webhook

from tests.browser import DESKTOP, PHONE, chromium, screenshot, stylesheet_applied
from tests.webhook_receiver import receiving

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.mark.usefixtures("transactional_db")
def test_an_owner_adds_an_endpoint_and_sends_it_a_test_event(
    live_server, alice, start_worker, settings
):
    settings.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # the receiver is on loopback
    start_worker(HARK_OUTBOUND_ALLOWED_NETWORKS="127.0.0.0/8")
    base = live_server.url
    with receiving() as receiver, chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        page.goto(base + "/accounts/login/")
        page.fill("input[name=login]", alice.user.email)
        page.fill("input[name=password]", "correct horse battery")
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(base + "/")

        page.locator("#site-nav").get_by_role("link", name="Webhooks").click()
        page.wait_for_url(base + "/webhooks/")
        assert stylesheet_applied(page)
        expect(page.get_by_text("No endpoints yet")).to_be_visible()
        screenshot(page, "40-webhooks-empty-desktop")

        page.fill("input[name=url]", receiver.url())
        page.fill("input[name=description]", "Our receiver")
        page.get_by_role("button", name="Add endpoint").click()
        secret = page.locator("[data-role=secret]").inner_text()
        assert re.fullmatch(r"whsec_[A-Za-z0-9+/=]+", secret)
        screenshot(page, "41-webhook-secret-desktop")

        page.get_by_role("link", name=re.compile("go to the endpoint")).click()
        page.get_by_role("button", name="Send test event").click()
        expect(page.locator("[data-role=status]")).to_have_text("Pending")
        for _ in range(40):
            if page.locator("[data-role=status]").inner_text() == "Succeeded":
                break
            page.wait_for_timeout(250)
            page.reload()
        expect(page.locator("[data-role=status]")).to_have_text("Succeeded")
        expect(page.locator("#attempts")).to_contain_text("Success")
        screenshot(page, "42-webhook-delivery-desktop")
        page_url = page.url.removeprefix(base)

        page.goto(base + "/docs/webhooks/")
        expect(page.get_by_role("heading", name="JavaScript (Node.js)")).to_be_visible()
        screenshot(page, "43-webhook-docs-desktop")

        page.set_viewport_size(PHONE)
        for path in ("/webhooks/", page_url):
            page.goto(base + path)
            # Nothing wider than the phone: no sideways scrolling.
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        screenshot(page, "44-webhook-delivery-phone")
        page.goto(base + "/webhooks/")
        screenshot(page, "45-webhooks-phone")

    [request] = receiver.requests
    event = Webhook(secret).verify(request.body, request.headers)
    assert event["type"] == "webhook.test"
