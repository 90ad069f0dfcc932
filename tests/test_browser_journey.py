"""A newcomer's first visit, in a real browser against a real worker.

Sign up, upload jfk.flac, watch the job complete, click a line of the transcript and
hear the player jump there, download subtitles. Screenshots of every step, at desktop
and phone widths, go to test-artifacts/ for people to look at.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from billing.models import EntryKind, LedgerEntry
from billing.services import credits_grant
from jobs.models import JobStatus, TranscriptionJob
from tests.audio_fixtures import SHARED_AUDIO
from tests.browser import DESKTOP, PHONE, chromium, parse_srt, screenshot, stylesheet_applied

pytestmark = [pytest.mark.browser, pytest.mark.worker]

EMAIL = "newcomer@example.org"
PASSWORD = "listen closely, twice"
JOB_URL = re.compile(r".*/jobs/([0-9a-f-]{36})/$")
PLAYER = "document.getElementById('player')"


def pick_segment(page: Page) -> int:
    """A segment that starts after 0.5 s and lasts over a second, so seeking is visible."""
    spans: list[list[float]] = page.eval_on_selector_all(
        ".segment", "els => els.map(e => [parseFloat(e.dataset.start), parseFloat(e.dataset.end)])"
    )
    for index, (start, end) in enumerate(spans):
        if start > 0.5 and end - start > 1.0:
            return index
    return 0


def test_a_newcomer_signs_up_transcribes_and_plays_along(live_server, start_worker):
    base = live_server.url

    with chromium() as browser:
        context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
        page = context.new_page()

        # The front page's own journey is in test_pages_fit_browser; this one starts at
        # the login form, whose "sign up" link returning visitors follow.
        page.goto(base + "/accounts/login/")
        assert stylesheet_applied(page), "app.css did not load"
        screenshot(page, "01-login-desktop")

        page.get_by_role("link", name="sign up").click()
        page.fill("input[name=email]", EMAIL)
        page.fill("input[name=password1]", PASSWORD)
        page.fill("input[name=password2]", PASSWORD)
        screenshot(page, "02-signup-desktop")
        page.get_by_role("button", name="Sign Up").click()

        page.wait_for_url(base + "/")
        expect(page.get_by_text("No transcriptions yet")).to_be_visible()
        expect(page.locator(".credit-pill")).to_contain_text("60 credits")
        screenshot(page, "03-dashboard-empty-desktop")

        page.locator("#site-nav").get_by_role("link", name="New transcription").click()
        page.wait_for_url("**/transcribe/new/")
        page.set_input_files("#file", str(SHARED_AUDIO / "jfk.flac"))
        expect(page.locator("#drop-title")).to_have_text("jfk.flac")
        # Speaker labels can be asked for only when the chosen engine can produce them.
        engines = json.loads(page.locator("#engines-data").text_content() or "[]")
        chosen = next(e for e in engines if e["name"] == page.locator("#model").input_value())
        assert page.locator("#diarization").is_disabled() is not chosen["diarization"]
        screenshot(page, "04-upload-desktop")
        page.click("#submit")

        page.wait_for_url(JOB_URL)
        job_id = JOB_URL.match(page.url).group(1)  # type: ignore[union-attr]
        expect(page.locator("[data-role=progress-label]")).to_have_text(
            "Waiting for a free worker…"
        )
        screenshot(page, "05-job-queued-desktop")

        # The dashboard, open in another tab, follows the job without being reloaded:
        # the worker only starts now, so the page was rendered while the job was queued.
        dashboard = context.new_page()
        dashboard.goto(base + "/")
        row = dashboard.locator(f'tr[data-job-id="{job_id}"]')
        expect(row.locator(".badge")).to_have_text("Queued")
        dashboard.evaluate("window.notReloaded = true")
        start_worker()
        expect(row.locator(".badge")).to_have_text("Completed", timeout=120_000)
        assert dashboard.evaluate("window.notReloaded === true")
        expect(row.locator("[data-role=progress]")).to_have_attribute("aria-valuenow", "100")
        expect(row.locator("[data-role=credits]")).to_have_text("0.19")
        dashboard.close()

        page.wait_for_selector('#job[data-status="completed"]', timeout=120_000)
        page.wait_for_selector(".segment")
        expect(page.locator(".badge.completed").first).to_be_visible()
        screenshot(page, "06-job-completed-desktop")

        segment = page.locator(".segment").nth(pick_segment(page))
        start = float(segment.get_attribute("data-start") or "nan")
        page.wait_for_function(f"{PLAYER}.readyState >= 1")  # metadata: seekable
        segment.click()
        position = page.evaluate(f"{PLAYER}.currentTime")
        assert abs(position - start) <= 0.5, (position, start)
        # Playing: not paused, and the clock moves on from where we jumped.
        page.wait_for_function(
            f"s => !{PLAYER}.paused && {PLAYER}.currentTime > s + 0.3", arg=start, timeout=10_000
        )
        expect(segment).to_have_class(re.compile(r"\bactive\b"))
        screenshot(page, "07-job-playing-desktop", full_page=False)
        page.evaluate(f"{PLAYER}.pause()")

        with page.expect_download() as download_info:
            page.locator("a[data-format=srt]").click()
        download = download_info.value
        srt = Path(download.path()).read_text(encoding="utf-8")
        assert download.suggested_filename == "jfk.srt"
        cues = parse_srt(srt)
        assert all(cue[1] < cue[2] for cue in cues)
        assert "country" in srt

        page.goto(f"{base}/")
        screenshot(page, "08-dashboard-desktop")
        for name, path in [
            ("09-wallet-desktop", "/wallet/"),
            ("10-api-keys-desktop", "/settings/api-keys/"),
            ("11-members-desktop", "/settings/members/"),
            ("12-api-docs-desktop", "/docs/api/"),
            ("13-help-desktop", "/help/"),
        ]:
            page.goto(base + path)
            assert stylesheet_applied(page)
            screenshot(page, name)
        page.goto(base + "/settings/api-keys/")
        page.fill("input[name=name]", "Laptop")
        page.get_by_role("button", name="Create key").click()
        expect(page.locator("[data-role=raw-key]")).to_contain_text("hark_")
        screenshot(page, "14-api-key-created-desktop")

        phone = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
            storage_state=context.storage_state(),
        )  # fmt: skip
        mobile = phone.new_page()
        for name, path in [
            ("20-dashboard-phone", "/"),
            ("21-upload-phone", "/transcribe/new/"),
            ("22-job-phone", f"/jobs/{job_id}/"),
            ("23-wallet-phone", "/wallet/"),
            ("24-api-keys-phone", "/settings/api-keys/"),
        ]:
            mobile.goto(base + path)
            screenshot(mobile, name)
        mobile.click("[data-nav-toggle]")
        expect(mobile.locator("#site-nav")).to_be_visible()
        screenshot(mobile, "25-menu-phone", full_page=False)
        mobile.get_by_role("button", name="Log out").click()
        # Logged out, the visitor is back on the front page.
        mobile.wait_for_url(base + "/")
        expect(mobile.locator("[data-role=signup]")).to_be_visible()
        screenshot(mobile, "26-front-after-logout-phone")

    # The ORM is safe again once Playwright's event loop has closed.
    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED
    assert job.original_filename == "jfk.flac"
    assert job.organization.members.get().email == EMAIL
    charge = LedgerEntry.objects.get(kind=EntryKind.CHARGE, reference=f"job:{job_id}")
    assert charge.amount == Decimal("-0.19")


@pytest.mark.usefixtures("transactional_db")
def test_an_upload_the_wallet_cannot_cover_shows_why_and_where_to_look(live_server, alice):
    credits_grant(organization=alice.organization, amount=Decimal("-60"), reason="Spent elsewhere")
    base = live_server.url

    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        page.goto(base + "/accounts/login/?next=/transcribe/new/")
        page.fill("input[name=login]", alice.user.email)
        page.fill("input[name=password]", "correct horse battery")
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url("**/transcribe/new/")

        page.set_input_files("#file", str(SHARED_AUDIO / "jfk.flac"))
        page.click("#submit")

        error = page.locator("#upload-error")
        expect(error).to_contain_text(
            "You have 0 credits remaining but this transcription requires 0.19 credits."
        )
        expect(error.get_by_role("link", name="See your wallet")).to_have_attribute(
            "href", "/wallet/"
        )
        expect(page.locator("#submit")).to_be_enabled()
        screenshot(page, "15-upload-insufficient-credits-desktop")

    assert not TranscriptionJob.objects.filter(organization=alice.organization).exists()
