"""A job whose media a worker is still fetching, as its owner sees it in a real browser:
the dashboard row and the job's page say so, show no price yet (nothing is held), and
fit 1280 and 390 px windows. No worker runs here, so the job stays fetching."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from jobs.models import JobStatus
from jobs.options import TranscriptionOptions
from jobs.services.url_intake import job_create_from_url
from tests.browser import DESKTOP, PHONE, chromium, overflow, screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_fetching_job_says_so_and_shows_no_price_until_its_media_arrives(live_server, alice):
    job = job_create_from_url(
        organization=alice.organization,
        url="https://media.example.org/board-meeting.mp3",
        options=TranscriptionOptions(),
        created_by=alice.user,
    )
    assert job.status == JobStatus.FETCHING
    base = live_server.url

    with chromium() as browser:
        for viewport, suffix in ((DESKTOP, "desktop"), (PHONE, "phone")):
            page = browser.new_context(viewport=viewport).new_page()
            sign_in(page, base, alice.user.email)
            row = page.locator(f'tr[data-job-id="{job.pk}"]')
            expect(row).to_contain_text("board-meeting.mp3")
            expect(row).to_contain_text("Fetching media…")
            expect(row.locator("[data-label=Duration]")).to_have_text("—")
            expect(row.locator("[data-role=credits]")).to_have_text("—")
            assert overflow(page, base + "/", f"fetching-10-dashboard-{suffix}") == ""

            assert overflow(page, f"{base}/jobs/{job.pk}/", f"fetching-20-job-{suffix}") == ""
            expect(page.locator("[data-role=progress-label]")).to_have_text("Fetching media…")
            expect(page.locator("main")).to_contain_text("once the media has arrived")
            expect(page.locator("main")).not_to_contain_text("0 credits are held")
            details = page.locator("aside")
            expect(details.get_by_text("Credits held")).to_be_visible()
            expect(details).not_to_contain_text("0:00")
            expect(details).to_contain_text("Auto-detect")
            screenshot(page, f"fetching-21-job-full-{suffix}")
