"""The dashboard a team works in, in a real browser against a real worker.

Upload two files at once, record a short clip with Chromium's fake microphone (playing
jfk.flac), watch all three rows follow the worker without a reload (htmx), tag and
filter, rename, and copy a transcript — with screenshots at 1280 and 390 px and no
sideways scroll on any of these pages.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

from billing.models import Hold
from jobs.models import JobStatus, TranscriptionJob
from tests.audio_fixtures import SHARED_AUDIO, transcode
from tests.browser import (
    DESKTOP,
    PHONE,
    chromium,
    fake_microphone_args,
    no_horizontal_scroll,
    screenshot,
    sign_in,
    stylesheet_applied,
)

pytestmark = [pytest.mark.browser, pytest.mark.worker]

JOB_URL = re.compile(r".*/jobs/([0-9a-f-]{36})/$")
WORKER_TIMEOUT_MS = 240_000


def row(page: Page, job_id: str) -> Locator:
    return page.locator(f'tr[data-job-id="{job_id}"]')


def test_a_team_uploads_records_tags_filters_and_copies(
    live_server, start_worker, alice, tmp_path: Path
):
    base = live_server.url
    microphone = transcode(
        SHARED_AUDIO / "jfk.flac", tmp_path / "jfk.wav", container="wav", codec="pcm_s16le"
    )

    with chromium(fake_microphone_args(microphone)) as browser:
        context = browser.new_context(viewport=DESKTOP)
        context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
        page = context.new_page()
        sign_in(page, base, alice.user.email)

        # Two files at once: one job each, then the dashboard.
        page.goto(base + "/transcribe/new/")
        assert stylesheet_applied(page)
        page.set_input_files(
            "#file", [str(SHARED_AUDIO / "jfk.flac"), str(SHARED_AUDIO / "cards_001.wav")]
        )
        expect(page.locator("#drop-title")).to_have_text("2 files")
        expect(page.locator("#file-list li")).to_have_count(2)
        screenshot(page, "dashboard-01-two-files-desktop")
        page.click("#submit")
        page.wait_for_url(base + "/")
        expect(page.locator("tr[data-job-id]")).to_have_count(2)

        # A recording: Record, the clock runs, Stop, and it is uploaded like a file.
        page.goto(base + "/transcribe/new/")
        page.click("#record-start")
        expect(page.locator("#record-live")).to_be_visible()
        page.wait_for_function(
            "document.getElementById('record-elapsed').textContent >= '0:04'", timeout=15_000
        )
        screenshot(page, "dashboard-02-recording-desktop", full_page=False)
        page.click("#record-stop")
        expect(page.locator("#drop-title")).to_have_text(re.compile(r"^Recording .+\.webm$"))
        page.click("#submit")
        page.wait_for_url(JOB_URL)
        recorded_id = JOB_URL.match(page.url).group(1)  # type: ignore[union-attr]
        expect(page.locator("[data-role=progress-label]")).to_have_text(
            "Waiting for a free worker…"
        )

        # The dashboard follows all three without a reload.
        page.goto(base + "/")
        rows = page.locator("tr[data-job-id]")
        expect(rows).to_have_count(3)
        ids = [rows.nth(i).get_attribute("data-job-id") or "" for i in range(3)]
        page.evaluate("window.notReloaded = true")
        screenshot(page, "dashboard-03-queued-desktop")
        start_worker()
        for job_id in ids:
            expect(row(page, job_id).locator(".badge")).to_have_text(
                "Completed", timeout=WORKER_TIMEOUT_MS
            )
        assert page.evaluate("window.notReloaded === true")
        jfk_id = next(
            i for i in ids if row(page, i).locator(".job-name").text_content() == "jfk.flac"
        )
        cards_id = next(
            i for i in ids if row(page, i).locator(".job-name").text_content() == "cards_001.wav"
        )

        # Tag from the dashboard: the row answers in place.
        for job_id, tag in (
            (jfk_id, "Speeches"),
            (cards_id, "Readings"),
            (recorded_id, "speeches"),
        ):
            form = row(page, job_id).locator("form.tag-add")
            form.locator("input[name=name]").fill(tag)
            form.locator("input[name=name]").press("Enter")
            expect(row(page, job_id).locator("[data-role=tag]")).to_have_count(1)
        # "speeches" is the same tag as "Speeches".
        expect(row(page, recorded_id).locator("[data-role=tag]")).to_have_text("Speeches")
        assert page.evaluate("window.notReloaded === true")
        screenshot(page, "dashboard-04-tagged-desktop")

        # Filter by tag: the state is in the URL, and the rows narrow.
        page.goto(base + "/")
        page.select_option("#filter-tag", "Speeches")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url(re.compile(r".*[?&]tag=Speeches"))
        expect(page.locator("tr[data-job-id]")).to_have_count(2)
        expect(row(page, cards_id)).to_have_count(0)
        page.select_option("#filter-status", "completed")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url(re.compile(r".*status=completed.*"))
        expect(page.locator("tr[data-job-id]")).to_have_count(2)
        assert no_horizontal_scroll(page)
        screenshot(page, "dashboard-05-filtered-desktop")
        filtered_url = page.url

        # The recording's page: rename it, then copy its transcript.
        page.goto(f"{base}/jobs/{recorded_id}/")
        page.locator("[data-role=rename] summary").click()
        page.fill("#job-name", "Kennedy, recorded here")
        page.get_by_role("button", name="Save").click()
        expect(page.locator("[data-role=job-name]")).to_have_text("Kennedy, recorded here")
        expected = (page.locator("#transcript-plain").text_content() or "").strip()
        # The fake microphone played jfk.flac: "And so my fellow Americans…"
        assert "fellow" in expected.lower(), expected
        page.locator("[data-role=copy-transcript]").click()
        expect(page.locator("[data-role=copy-transcript]")).to_have_text("Copied")
        assert page.evaluate("navigator.clipboard.readText()").strip() == expected
        assert no_horizontal_scroll(page)
        screenshot(page, "dashboard-06-recorded-job-desktop")

        page.goto(base + "/transcribe/new/")
        assert no_horizontal_scroll(page)
        screenshot(page, "dashboard-07-upload-desktop")

        phone = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
            storage_state=context.storage_state(),
        )  # fmt: skip
        mobile = phone.new_page()
        for name, path in [
            ("dashboard-20-filtered-phone", filtered_url.removeprefix(base)),
            ("dashboard-21-dashboard-phone", "/"),
            ("dashboard-22-upload-phone", "/transcribe/new/"),
            ("dashboard-23-recorded-job-phone", f"/jobs/{recorded_id}/"),
        ]:
            mobile.goto(base + path)
            assert no_horizontal_scroll(mobile), path
            screenshot(mobile, name)

    # The ORM is safe again once Playwright's event loop has closed.
    jobs = TranscriptionJob.objects.filter(organization=alice.organization)
    assert jobs.count() == 3
    assert set(jobs.values_list("status", flat=True)) == {JobStatus.COMPLETED}
    recorded = jobs.get(pk=recorded_id)
    assert recorded.name == "Kennedy, recorded here"
    assert recorded.media_format.startswith("matroska/opus")
    assert sorted(recorded.tags.values_list("name", flat=True)) == ["Speeches"]
    assert Hold.objects.filter(reference__startswith="job:").count() == 3
