"""Ordering a transcription with its translation from the upload page, in a real browser
against a real worker: the targets follow the language chosen, and the job's page shows
the translation waiting, then done, with its downloads."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from billing.selectors import available_credits
from jobs.translation.models import TranslationJob
from tests.audio_fixtures import SHARED_AUDIO
from tests.browser import DESKTOP, chromium, screenshot

pytestmark = [pytest.mark.browser, pytest.mark.worker]

JOB_URL = re.compile(r".*/jobs/([0-9a-f-]{36})/$")


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/?next=/transcribe/new/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", "correct horse battery")
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url("**/transcribe/new/")


def targets(page: Page) -> list[str]:
    values: list[str] = page.eval_on_selector_all(
        "#translate-to option", "els => els.map(e => e.value).filter(Boolean)"
    )
    return values


@pytest.mark.usefixtures("transactional_db")
def test_jfk_ordered_in_spanish_from_the_page_shows_its_translation_on_the_job_page(
    live_server, start_worker, alice
):
    base = live_server.url
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        sign_in(page, base, alice.user.email)

        # Detected language: every target, and why the translation waits for it.
        page.select_option("#language", "")
        assert targets(page) == ["ca", "en", "fr", "it", "pt", "es"]
        expect(page.locator("#translate-to-auto")).to_be_visible()
        # English spoken: English is not a target of its own transcript.
        page.select_option("#language", "en")
        assert targets(page) == ["ca", "fr", "it", "pt", "es"]
        expect(page.locator("#translate-to-auto")).to_be_hidden()
        page.select_option("#translate-to", "es")
        expect(page.locator("#translate-to")).to_contain_text("Spanish (up to 0.18 credits")
        screenshot(page, "60-upload-translate-to-desktop")

        page.set_input_files("#file", str(SHARED_AUDIO / "jfk.flac"))
        page.click("#submit")
        page.wait_for_url(JOB_URL)
        job_id = JOB_URL.match(page.url).group(1)  # type: ignore[union-attr]
        card = page.locator("[data-role=translation]")
        expect(card).to_have_attribute("data-status", "waiting")
        expect(card).to_contain_text("Spanish")
        expect(card).to_contain_text("0.04")

        start_worker()
        page.wait_for_selector('#job[data-status="completed"]', timeout=120_000)
        # The translation runs after the transcription; the page follows it by itself.
        expect(card).to_have_attribute("data-status", "completed", timeout=120_000)
        link = card.locator("a[data-format=txt]")
        expect(link).to_be_visible()
        text = page.request.get(base + str(link.get_attribute("href"))).text()
        assert "país" in text.lower()
        screenshot(page, "61-job-with-translation-desktop")

    translation = TranslationJob.objects.get(source_job__pk=job_id)
    assert (translation.status, translation.to_language) == ("completed", "es")
    assert translation.credits_used is not None
    assert available_credits(alice.organization) == (
        Decimal("60") - Decimal("0.19") - translation.credits_used
    )
