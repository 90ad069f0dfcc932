"""The API docs in a real browser: Redoc and Swagger UI load everything from this host
(no fonts, scripts or validator badges from the internet), render every route with
real shapes (no ``property1``), and Swagger UI's Authorize dialog offers both API key
schemes; screenshots at 1280 px go to test-artifacts/."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from tests.browser import DESKTOP, chromium, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def recording_requests(page: Page) -> list[str]:
    """The URLs the page asked for, less those its Content-Security-Policy refused
    before they left the browser (those never reach the network)."""
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    def forget_if_refused(request: Request) -> None:
        # Chromium reports a request the policy refused as failed with "csp".
        if request.failure == "csp":
            requested.remove(request.url)

    page.on("requestfailed", forget_if_refused)
    # What the page's Content-Security-Policy refused, to tell apart below.
    page.add_init_script(
        "window.__blocked = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__blocked.push(e.blockedURI));"
    )
    return requested


def assert_only_outside_requests_were_blocked(page: Page, base: str) -> None:
    """The policy may stop a bundle's call home (Redoc's logo), never the page's own
    scripts, styles or schema — those would show as 'inline' or a URL on this host."""
    blocked: list[str] = page.evaluate("window.__blocked")
    assert off_host(blocked, base) == blocked


def off_host(urls: list[str], base: str) -> list[str]:
    host = urlsplit(base).netloc
    # data: and blob: URLs are made in the page, not fetched.
    return [u for u in urls if urlsplit(u).scheme in {"http", "https", "ws", "wss"}
            and urlsplit(u).netloc != host]  # fmt: skip


def test_redoc_loads_nothing_from_outside_and_shows_real_shapes(live_server):
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        requested = recording_requests(page)
        page.goto(live_server.url + "/api/redoc/")
        expect(page.get_by_role("heading", name="Hark API").first).to_be_visible(timeout=30_000)
        expect(page.get_by_text("OpenAI-compatible translation of speech into English").first)\
            .to_be_attached()  # fmt: skip
        page.wait_for_load_state("networkidle")
        text = page.locator("body").inner_text()
        screenshot(page, "90-api-redoc-desktop", full_page=False)
        assert_only_outside_requests_were_blocked(page, live_server.url)

    assert any(u.endswith("/api/schema/") for u in requested)
    assert off_host(requested, live_server.url) == []
    assert "property1" not in text
    assert "ApiKeyBearer" in text
    assert "ApiKeyToken" in text
    # No web font was fetched: Google Fonts are gone from drf-spectacular's page.
    assert not [u for u in requested if "font" in u]


def test_swagger_ui_loads_nothing_from_outside_and_offers_both_key_schemes(live_server):
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        requested = recording_requests(page)
        page.goto(live_server.url + "/api/docs/")
        authorize = page.get_by_role("button", name="Authorize").first
        expect(authorize).to_be_visible(timeout=30_000)
        page.wait_for_load_state("networkidle")
        authorize.click()
        dialog = page.locator(".dialog-ux")
        expect(dialog).to_contain_text("ApiKeyBearer")
        expect(dialog).to_contain_text("ApiKeyToken")
        expect(dialog).to_contain_text("cookieAuth")
        screenshot(page, "91-api-swagger-authorize-desktop", full_page=False)
        page.keyboard.press("Escape")
        text = page.locator("body").inner_text()
        assert_only_outside_requests_were_blocked(page, live_server.url)

    assert off_host(requested, live_server.url) == []
    assert "property1" not in text
