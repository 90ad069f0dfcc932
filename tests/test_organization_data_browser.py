"""An owner keeps audio 30 days, downloads the export and deletes everything, in a real
browser; screenshots go to test-artifacts/."""

from __future__ import annotations

import json
import zipfile

import pytest
from playwright.sync_api import expect

from accounts.models import ApiKey
from jobs.models import TranscriptionJob
from tests.browser import DESKTOP, PHONE, chromium, screenshot, stylesheet_applied
from tests.support.organization_data import finished_job

pytestmark = [pytest.mark.browser]


@pytest.mark.usefixtures("transactional_db")
def test_an_owner_sets_retention_exports_and_deletes_everything(live_server, alice, tmp_path):
    job = finished_job(alice)
    base = live_server.url
    with chromium() as browser:
        context = browser.new_context(viewport=DESKTOP, accept_downloads=True)
        page = context.new_page()
        page.goto(base + "/accounts/login/")
        page.fill("input[name=login]", alice.user.email)
        page.fill("input[name=password]", "correct horse battery")
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(base + "/")

        page.locator("#site-nav").get_by_role("link", name="Settings").click()
        page.wait_for_url(base + "/settings/")
        page.get_by_role("navigation", name="Organization settings").get_by_role(
            "link", name="Data & retention"
        ).click()
        page.wait_for_url(base + "/settings/data/")
        assert stylesheet_applied(page)
        page.fill("input[name=media_days]", "30")
        page.get_by_role("button", name="Save retention").click()
        expect(page.get_by_text("Audio will be deleted 30 days after each")).to_be_visible()
        expect(page.locator("input[name=media_days]")).to_have_value("30")
        screenshot(page, "60-organization-data-desktop")

        with page.expect_download() as download:
            page.get_by_role("link", name="Download export (.zip)").click()
        saved = tmp_path / "export.zip"
        download.value.save_as(saved)
        assert download.value.suggested_filename.startswith("hark-export-")

        page.get_by_role("link", name="Delete everything…").click()
        page.wait_for_url(base + "/settings/data/delete/")
        page.fill("input[name=confirmation]", "Alice")
        page.get_by_role("button", name="Delete everything").click()
        expect(page.get_by_text("exactly as it is shown: Alice Org")).to_be_visible()
        page.fill("input[name=confirmation]", "Alice Org")
        screenshot(page, "61-organization-erase-desktop")
        page.get_by_role("button", name="Delete everything").click()
        done = page.get_by_text("Everything of Alice Org was deleted: 1 transcription")
        expect(done).to_be_visible()

        phone = context.new_page()  # the same signed-in session
        phone.set_viewport_size(PHONE)
        phone.goto(base + "/settings/data/")
        screenshot(phone, "62-organization-data-phone")

    with zipfile.ZipFile(saved) as archive:
        jobs = json.loads(archive.read("jobs.json"))
    assert [entry["id"] for entry in jobs] == [str(job.pk)]
    assert not TranscriptionJob.objects.filter(organization=alice.organization).exists()
    assert not ApiKey.objects.filter(organization=alice.organization).exists()
