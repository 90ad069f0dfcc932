"""A newcomer's first hour, in one real browser against a real worker (issue #14).

From the front page: sign up, name the organization, invite a teammate who joins through
the emailed link in a browser of her own, upload two files at once and record a third,
watch them finish, tag one, filter by that tag, and read a transcript. Every page visited
is checked again at phone width for sideways scroll; screenshots go to
test-artifacts/first-hour-*.png.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.core import mail
from playwright.sync_api import Locator, Page, expect

from accounts.models import Membership, Role, User
from jobs.models import JobStatus, TranscriptionJob
from tests.audio_fixtures import SHARED_AUDIO, reference_text, transcode
from tests.browser import (
    DESKTOP,
    PHONE,
    chromium,
    fake_microphone_args,
    overflow,
    screenshot,
    stylesheet_applied,
)

pytestmark = [pytest.mark.browser, pytest.mark.worker]

OWNER = "okafor@example.org"
TEAMMATE = "lin@example.org"
ORGANIZATION = "Riverside Oral History"
PASSWORD = "a first hour well spent"
TEAMMATE_PASSWORD = "joined through the link"
LINK = re.compile(r"https?://[^\s\"<]+/invitations/[^\s\"<]+/")
JOB_URL = re.compile(r".*/jobs/([0-9a-f-]{36})/$")
WORKER_TIMEOUT_MS = 150_000


def row(page: Page, job_id: str) -> Locator:
    return page.locator(f'tr[data-job-id="{job_id}"]')


def job_id_named(page: Page, name: str) -> str:
    ids: list[str] = page.locator("tr[data-job-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.jobId)"
    )
    return next(i for i in ids if row(page, i).locator(".job-name").text_content() == name)


def test_a_newcomer_signs_up_brings_a_teammate_and_reads_a_tagged_transcript(
    live_server, start_worker, settings, tmp_path: Path
):
    base = live_server.url
    settings.HARK_PUBLIC_URL = base
    mail.outbox = []
    # Warming up while the newcomer signs up: by the first upload it is ready.
    start_worker()
    microphone = transcode(
        SHARED_AUDIO / "jfk.flac", tmp_path / "jfk.wav", container="wav", codec="pcm_s16le"
    )
    visited: list[tuple[str, str]] = []  # (screenshot name, path) seen by the owner
    anonymous: list[tuple[str, str]] = []
    problems: list[str] = []  # what sticks out sideways, page by page

    with chromium(fake_microphone_args(microphone)) as browser:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()

        # The front page, anonymously, and its call to action.
        page.goto(base + "/")
        assert stylesheet_applied(page)
        expect(page.get_by_role("heading", level=1)).to_contain_text("transcripts")
        screenshot(page, "first-hour-01-front-desktop")
        anonymous.append(("front", "/"))
        page.locator("[data-role=signup]").click()
        page.wait_for_url(base + "/accounts/signup/")
        anonymous.append(("signup", "/accounts/signup/"))
        page.fill("input[name=email]", OWNER)
        page.fill("input[name=password1]", PASSWORD)
        page.fill("input[name=password2]", PASSWORD)
        screenshot(page, "first-hour-02-signup-desktop")
        page.get_by_role("button", name="Sign Up").click()
        page.wait_for_url(base + "/")
        expect(page.get_by_text("No transcriptions yet")).to_be_visible()
        # One welcome that says what to do next, not "Successfully signed in as …" too.
        expect(page.locator(".messages")).to_contain_text("invite your team in Settings")
        expect(page.get_by_text("Successfully signed in")).to_have_count(0)
        screenshot(page, "first-hour-03-dashboard-empty-desktop")

        # Settings: the organization gets its name, then Members invites a teammate.
        page.locator("#site-nav").get_by_role("link", name="Settings").click()
        page.wait_for_url(base + "/settings/")
        visited.append(("settings", "/settings/"))
        page.fill("input[name=name]", ORGANIZATION)
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator(".messages")).to_contain_text("Settings saved")
        page.locator(".settings-nav").get_by_role("link", name="Members").click()
        page.wait_for_url(base + "/settings/members/")
        visited.append(("members", "/settings/members/"))
        page.fill("input[name=email]", TEAMMATE)
        page.get_by_role("button", name="Send invitation").click()
        expect(page.locator(".messages")).to_contain_text(f"Invitation sent to {TEAMMATE}")
        screenshot(page, "first-hour-04-members-invited-desktop")

        # The teammate: a browser context of her own, with nothing but the email.
        [message] = mail.outbox
        assert message.to == [TEAMMATE]
        [link] = set(LINK.findall(str(message.body)))
        assert link.startswith(base)
        teammate = browser.new_context(viewport=DESKTOP).new_page()
        teammate.goto(link)
        expect(teammate.get_by_role("heading", name=f"Join {ORGANIZATION}")).to_be_visible()
        screenshot(teammate, "first-hour-05-invitation-desktop")
        # Used once, the link answers 410: check it at phone width while it still works.
        teammate.set_viewport_size(PHONE)
        problems.append(overflow(teammate, link, "first-hour-invitation-phone"))
        teammate.set_viewport_size(DESKTOP)
        teammate.get_by_role("link", name="Create your account").click()
        expect(teammate.locator("input[name=email]")).to_have_value(TEAMMATE)
        teammate.fill("input[name=password1]", TEAMMATE_PASSWORD)
        teammate.fill("input[name=password2]", TEAMMATE_PASSWORD)
        teammate.get_by_role("button", name="Sign Up").click()
        teammate.wait_for_url(base + "/")
        expect(teammate.locator(".messages")).to_contain_text(f"Welcome to {ORGANIZATION}")
        expect(teammate.locator(".org-name")).to_have_text(ORGANIZATION)
        expect(teammate.get_by_text("Successfully signed in")).to_have_count(0)
        screenshot(teammate, "first-hour-06-teammate-joined-desktop")
        teammate.context.close()

        # Back as the owner: two files at once.
        page.goto(base + "/transcribe/new/")
        visited.append(("upload", "/transcribe/new/"))
        page.set_input_files(
            "#file", [str(SHARED_AUDIO / "jfk.flac"), str(SHARED_AUDIO / "cards_001.wav")]
        )
        expect(page.locator("#file-list li")).to_have_count(2)
        screenshot(page, "first-hour-07-two-files-desktop")
        page.click("#submit")
        page.wait_for_url(base + "/")
        expect(page.locator("tr[data-job-id]")).to_have_count(2)

        # A short recording from the (fake) microphone, uploaded like a file.
        page.goto(base + "/transcribe/new/")
        page.click("#record-start")
        page.wait_for_function(
            "document.getElementById('record-elapsed').textContent >= '0:02'", timeout=15_000
        )
        page.click("#record-stop")
        expect(page.locator("#drop-title")).to_have_text(re.compile(r"^Recording .+\.webm$"))
        page.click("#submit")
        page.wait_for_url(JOB_URL)
        recorded_id = JOB_URL.match(page.url).group(1)  # type: ignore[union-attr]

        # The dashboard follows the worker until all three are done.
        page.goto(base + "/")
        visited.append(("dashboard", "/"))
        rows = page.locator("tr[data-job-id]")
        expect(rows).to_have_count(3)
        for index in range(3):
            expect(rows.nth(index).locator(".badge")).to_have_text(
                "Completed", timeout=WORKER_TIMEOUT_MS
            )
        screenshot(page, "first-hour-08-dashboard-completed-desktop")
        jfk_id = job_id_named(page, "jfk.flac")

        # Tag one, then filter by that tag (offered at once, no reload): only it is left.
        form = row(page, jfk_id).locator("form.tag-add")
        form.locator("input[name=name]").fill("Speeches")
        form.locator("input[name=name]").press("Enter")
        expect(row(page, jfk_id).locator("[data-role=tag]")).to_have_text("Speeches")
        expect(page.locator("#filter-tag option[value=Speeches]")).to_have_count(1)
        page.select_option("#filter-tag", "Speeches")
        page.get_by_role("button", name="Filter").click()
        page.wait_for_url(re.compile(r".*[?&]tag=Speeches"))
        expect(rows).to_have_count(1)
        expect(row(page, jfk_id)).to_be_visible()
        visited.append(("filtered", page.url.removeprefix(base)))
        screenshot(page, "first-hour-09-filtered-desktop")

        # Open it and read it.
        row(page, jfk_id).locator(".job-name").click()
        page.wait_for_url(f"{base}/jobs/{jfk_id}/")
        visited.append(("transcript", f"/jobs/{jfk_id}/"))
        text = (page.locator("#transcript-plain").text_content() or "").lower()
        # Words of the human reference ("ask not what your country can do for you").
        for word in ("country", "ask", "fellow"):
            assert word in reference_text("jfk.flac").lower()
            assert word in text, text
        screenshot(page, "first-hour-10-transcript-desktop")

        # The recording's player knows its length, though a browser's WebM does not say.
        page.goto(f"{base}/jobs/{recorded_id}/")
        page.wait_for_function(
            "isFinite(document.getElementById('player').duration)"
            " && document.getElementById('player').duration > 1.5",
            timeout=15_000,
        )
        assert page.evaluate("document.getElementById('player').currentTime") == 0

        # Every page of the hour at phone width too, without sideways scroll.
        for name, path in visited:
            problems.append(overflow(page, base + path, f"first-hour-{name}-desktop"))
        phone = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
            storage_state=context.storage_state(),
        )  # fmt: skip
        mobile = phone.new_page()
        for name, path in visited:
            problems.append(overflow(mobile, base + path, f"first-hour-{name}-phone"))
        stranger = browser.new_context(
            viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
        ).new_page()
        for name, path in anonymous:
            problems.append(overflow(stranger, base + path, f"first-hour-{name}-phone"))
        problems = [line for line in problems if line]
        assert not problems, "\n".join(problems)

    # The ORM is safe again once Playwright's event loop has closed.
    owner = User.objects.get(email=OWNER)
    membership = Membership.objects.get(user=owner)
    assert (membership.organization.name, membership.role) == (ORGANIZATION, Role.OWNER)
    joined = Membership.objects.get(user__email=TEAMMATE)
    assert joined.organization_id == membership.organization_id
    jobs = TranscriptionJob.objects.filter(organization=membership.organization)
    assert jobs.count() == 3
    assert set(jobs.values_list("status", flat=True)) == {JobStatus.COMPLETED}
    assert jobs.get(pk=recorded_id).media_format.startswith("matroska/opus")
    assert list(jobs.get(pk=jfk_id).tags.values_list("name", flat=True)) == ["Speeches"]
