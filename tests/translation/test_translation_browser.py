"""Translation in a real browser: order a Spanish translation of Whisper's transcript of
jfk.flac from the job's page, watch a real worker translate it offline with Apertium,
read it beside the original, hear a line by clicking it, fix a translated line, and
download subtitles that carry the fix. Screenshots (desktop and phone) go to
test-artifacts/."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from django.template.defaultfilters import floatformat
from playwright.sync_api import Page, expect

from jobs.engines.base import Segment, TranscriptionResult
from jobs.transcripts.models import Revision
from jobs.transcripts.selectors import transcript_read
from jobs.translation.models import TranslationJob
from jobs.translation.services.intake import translation_quote
from tests.audio_fixtures import whisper_transcribe
from tests.browser import DESKTOP, PHONE, chromium, parse_srt, screenshot, stylesheet_applied
from tests.transcripts.helpers import JFK, completed_job

pytestmark = [pytest.mark.browser, pytest.mark.worker]

PASSWORD = "correct horse battery"
FIX = "Y así, mis queridos compatriotas,"


# How the "English (original)" label over each original line is displayed.
ROW_LABEL_DISPLAY = "getComputedStyle(document.querySelector('.ed-source'), '::before').display"


def jfk_in_two_lines() -> TranscriptionResult:
    """Whisper's one segment cut after "Americans," so the page has two rows to pair."""
    result = whisper_transcribe(JFK)
    [whole] = result.segments
    cut = next(i for i, w in enumerate(whole.words) if "Americans" in w.text) + 1
    first, second = whole.words[:cut], whole.words[cut:]
    segments = [
        replace(whole, end=second[0].start, text=" ".join(w.text.strip() for w in first),
                words=tuple(first)),
        replace(whole, start=second[0].start, text=" ".join(w.text.strip() for w in second),
                words=tuple(second)),
    ]  # fmt: skip
    return replace(result, segments=list[Segment](segments))


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(base + "/")


def no_sideways_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_a_member_translates_reads_side_by_side_fixes_a_line_and_downloads_it(
    live_server, alice, start_worker
):
    job = completed_job(alice, result=jfk_in_two_lines())
    view = transcript_read(job)
    assert view is not None
    price = floatformat(translation_quote(len(view.text.split()), "apertium"), "-2")
    base = live_server.url

    with chromium() as browser:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, base, alice.user.email)

        # Order from the job's page: only reachable languages, each with engine and price.
        page.goto(f"{base}/jobs/{job.pk}/")
        assert stylesheet_applied(page)
        choice = page.locator("#translate-choice")
        spanish = choice.locator("option[value='es:apertium']")
        expect(spanish).to_have_text(
            f"Spanish · {price} credits · Apertium (rule-based, on this server)"
        )
        assert choice.locator("option[value^='en:']").count() == 0
        screenshot(page, "80-translate-job-page-desktop")
        choice.select_option("es:apertium")
        page.get_by_role("button", name="Translate").click()
        page.wait_for_url(f"{base}/translations/*/")
        expect(page.locator("[data-role=progress-label]")).to_have_text(
            "Waiting for a free worker…"
        )
        screenshot(page, "81-translation-queued-desktop")

        # Listed under its transcription while it waits, in a second tab.
        job_tab = context.new_page()
        job_tab.goto(f"{base}/jobs/{job.pk}/")
        listed = job_tab.locator("[data-live-status] [data-role=badge]")
        expect(listed).to_have_text("Queued")

        # A real worker takes it; both pages notice without being reloaded by hand.
        start_worker()
        expect(page.locator(".ed-pair-row")).to_have_count(2, timeout=90_000)
        expect(listed).to_have_text("Completed", timeout=30_000)
        job_tab.close()
        expect(page.locator("[data-role=save-state]")).to_have_text("All changes saved")
        sources = page.locator(".ed-source").all_inner_texts()
        translated = page.locator(".ed-text").all_inner_texts()
        assert sources[0].startswith("And so")
        assert sources[0].endswith("fellow Americans,")
        assert sources[1].startswith("ask not what your country")
        assert "país" in translated[1].lower()
        expect(page.locator(".ed-columns")).to_contain_text("English (original)")
        # The column heading names the original once; no row repeats it (a phone does).
        assert page.evaluate(ROW_LABEL_DISPLAY) == "none"
        expect(page.locator(".ed-split, .ed-merge, select.ed-speaker")).to_have_count(0)
        screenshot(page, "82-translation-side-by-side-desktop")

        # Click a line to hear it: the source job's audio, sought to that row.
        page.locator(".ed-source").nth(1).click()
        page.wait_for_function("document.getElementById('player').currentTime > 2")
        expect(page.locator(".ed-pair-row").nth(1)).to_have_class("ed-seg ed-pair-row ed-playing")
        page.evaluate("document.getElementById('player').pause()")

        # Fix the first translated line: it saves by itself as a new version.
        line = page.locator(".ed-text").first
        line.click()
        page.keyboard.press("Control+A")
        page.keyboard.type(FIX)
        page.keyboard.press("Enter")
        expect(page.locator("[data-role=save-state]")).to_have_text("All changes saved")
        expect(page.locator("[data-role=version]")).to_have_text("Version 2")
        expect(page.locator("[data-action=undo]")).to_be_enabled()
        page.locator("[data-role=history] summary").click()
        history = page.locator(".ed-revision")
        expect(history).to_have_count(2)
        expect(history.last).to_contain_text("Version 1 · Translated by the translator")
        expect(history.first).to_contain_text("alice@example.org")

        # The subtitles carry the fix.
        with page.expect_download() as download_info:
            page.locator("a[data-format=srt]").click()
        download = download_info.value
        assert download.suggested_filename == "jfk-es.srt"
        srt = Path(download.path()).read_text(encoding="utf-8")
        cues = parse_srt(srt)
        assert FIX.split()[-1] in srt
        said = " ".join(" ".join(cue[3].split()) for cue in cues)
        assert said.startswith(f"SPEAKER_00: {FIX} SPEAKER_01: ")
        assert said.endswith("país.")
        page.reload()
        expect(page.locator(".ed-text").first).to_have_text(FIX)
        screenshot(page, "83-translation-fixed-desktop")

        # Phone width: the original above the translation, nothing off the side.
        page.set_viewport_size(PHONE)
        page.reload()
        expect(page.locator(".ed-pair-row")).to_have_count(2)
        assert no_sideways_scroll(page)
        assert page.evaluate(ROW_LABEL_DISPLAY) == "block"  # stacked: each row says which
        screenshot(page, "84-translation-phone")
        screenshot(page, "85-translation-phone-top", full_page=False)
        page.goto(f"{base}/jobs/{job.pk}/")
        expect(page.locator("[data-role=translation-link]")).to_have_text("Spanish")
        assert no_sideways_scroll(page)
        screenshot(page, "86-translate-job-page-phone")
        page.goto(f"{base}/")
        expect(page.locator("#translations")).to_contain_text("English → Spanish")
        assert no_sideways_scroll(page)
        screenshot(page, "87-dashboard-translations-phone")
        page.set_viewport_size(DESKTOP)
        page.reload()
        screenshot(page, "88-dashboard-translations-desktop")

    assert errors == []
    translation = TranslationJob.objects.get()
    assert (translation.status, translation.providers) == ("completed", ["apertium"])
    revision = Revision.objects.get(transcript__translation=translation)
    assert (revision.version, revision.author) == (2, alice.user)
