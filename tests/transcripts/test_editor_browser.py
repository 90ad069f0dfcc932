"""The transcript editor in a real browser, on Whisper's real transcript of jfk.flac:
fixes autosave, speakers rename everywhere, segments split and merge, doubtful words are
reviewed one by one, undo works, a stale tab is refused, and stored markup stays text.
Screenshots go to test-artifacts/."""

from __future__ import annotations

from dataclasses import replace

import pytest
from playwright.sync_api import Page, expect

from jobs.engines.base import Segment, TranscriptionResult
from jobs.transcripts.models import Revision
from jobs.transcripts.selectors import FULL_VERBATIM, transcript_read
from tests.audio_fixtures import whisper_transcribe
from tests.browser import DESKTOP, PHONE, chromium, screenshot, sign_in, stylesheet_applied
from tests.transcripts.helpers import JFK, completed_job

pytestmark = [pytest.mark.browser]

# Made doubtful on purpose: Whisper is sure of nearly every word of this clip.
DOUBTFUL = {"fellow": 0.31, "not": 0.42, "country.": 0.5}
STORED_MARKUP = "<script>window.pwned = 1</script> <img src=x onerror=window.pwned=2>"


def jfk_in_three_parts() -> TranscriptionResult:
    """Whisper's one segment cut in two at "can", some words made doubtful, and a third
    segment whose stored text is markup."""
    result = whisper_transcribe(JFK)
    [whole] = result.segments
    words = [
        replace(w, confidence=DOUBTFUL.get(w.text.strip(), max(w.confidence, 0.9)))
        for w in whole.words
    ]
    cut = 10
    first, second = words[:cut], words[cut:]
    markup = [
        replace(words[-1], text=token, start=10.4 + i * 0.1, end=10.45 + i * 0.1, confidence=0.99)
        for i, token in enumerate(STORED_MARKUP.split())
    ]
    segments = [
        Segment(whole.start, second[0].start, " ".join(w.text for w in first), 0.9, tuple(first)),
        Segment(second[0].start, 10.36, " ".join(w.text for w in second), 0.9, tuple(second)),
        Segment(10.4, 10.9, STORED_MARKUP, 0.99, tuple(markup)),
    ]
    return replace(result, segments=segments)


def texts(page: Page) -> list[str]:
    return page.locator(".ed-text").all_inner_texts()


def saved(page: Page) -> None:
    expect(page.locator("[data-role=save-state]")).to_have_text("All changes saved")


def caret_before_word(page: Page, segment: int, word: int) -> None:
    """Put the text cursor just before a word of a segment, as a click there would."""
    page.locator(".ed-text").nth(segment).locator(".w").nth(word).click()
    page.evaluate(
        """([segment, word]) => {
            const box = document.querySelectorAll('.ed-text')[segment];
            const span = box.querySelectorAll('.w')[word];
            const range = document.createRange();
            range.setStart(span.firstChild, 0);
            range.collapse(true);
            const selection = window.getSelection();
            selection.removeAllRanges();
            selection.addRange(range);
        }""",
        [segment, word],
    )


def player_time(page: Page) -> float:
    return float(page.evaluate("document.getElementById('player').currentTime"))


@pytest.mark.usefixtures("transactional_db")
def test_a_member_fixes_reviews_splits_merges_renames_and_undoes(live_server, alice):
    job = completed_job(alice, result=jfk_in_three_parts())
    base = live_server.url
    editor_url = f"{base}/jobs/{job.pk}/edit/"

    with chromium() as browser:
        context = browser.new_context(viewport=DESKTOP)
        page = context.new_page()
        sign_in(page, base, alice.user.email)
        page.goto(f"{base}/jobs/{job.pk}/")
        page.get_by_role("link", name="Edit transcript").click()
        page.wait_for_url(editor_url)
        assert stylesheet_applied(page)
        expect(page.locator(".ed-seg")).to_have_count(3)
        saved(page)

        # Stored markup is shown as the text it is, and never runs.
        assert texts(page)[2] == STORED_MARKUP
        assert page.evaluate("window.pwned") is None
        assert page.locator("#segments script, #segments img").count() == 0
        screenshot(page, "60-editor-desktop")

        # The guided review: one doubtful word at a time, the audio sought to each.
        expect(page.locator("[data-role=review-count]")).to_have_text("3 doubtful words")
        page.get_by_role("button", name="Next doubtful word").click()
        expect(page.locator(".w-review")).to_have_text("fellow")
        fellow_start = float(page.locator(".w-review").get_attribute("data-start") or 0)
        page.wait_for_function(
            f"Math.abs(document.getElementById('player').currentTime - {fellow_start - 0.3}) < 0.05"
        )
        screenshot(page, "61-editor-review-desktop")
        page.get_by_role("button", name="Accept").click()
        expect(page.locator(".w-review")).to_have_text("not")
        page.keyboard.press("Alt+A")
        expect(page.locator(".w-review")).to_have_text("country.")
        expect(page.locator("[data-role=review-count]")).to_have_text("1 doubtful word")

        # Fix the word in place: typing replaces it, the change saves by itself, and the
        # words come back from the API (the typed one marked as not yet aligned).
        page.get_by_role("button", name="Fix").click()
        page.keyboard.type("nation.")
        saved(page)
        expect(page.locator(".ed-text").nth(1)).to_have_text(
            "can do for you, ask what you can do for your nation."
        )
        expect(page.locator(".ed-text").nth(1).locator(".w-unaligned")).to_have_text("nation.")
        expect(page.locator("[data-role=review-count]")).to_have_text("No doubtful words left.")

        # Rename a speaker: every segment of theirs follows.
        names = page.locator(".ed-speakers input")
        names.first.fill("President Kennedy")
        names.first.press("Enter")
        saved(page)
        for index in (0, 2):
            expect(
                page.locator("select.ed-speaker").nth(index).locator("option:checked")
            ).to_have_text("President Kennedy")

        # Split the first segment before "ask" with Alt+Enter, then merge it back.
        caret_before_word(page, 0, 5)
        page.keyboard.press("Alt+Enter")
        expect(page.locator(".ed-seg")).to_have_count(4)
        saved(page)
        assert texts(page)[:2] == ["And so my fellow Americans,", "ask not what your country"]
        screenshot(page, "62-editor-split-desktop")
        page.locator(".ed-seg").nth(0).get_by_role("button", name="Merge ↓").click()
        expect(page.locator(".ed-seg")).to_have_count(3)
        saved(page)
        assert texts(page)[0] == "And so my fellow Americans, ask not what your country"

        # Undo (outside the text) takes the merge back: the split stays.
        page.locator("h1").click()
        page.keyboard.press("Control+z")
        expect(page.locator(".ed-seg")).to_have_count(4)
        saved(page)
        expect(page.get_by_role("button", name="↷ Redo")).to_be_enabled()

        # Find and replace counts before it changes anything.
        page.keyboard.press("Control+f")
        expect(page.locator("#find-text")).to_be_focused()
        page.keyboard.type("countr")
        page.check("#whole-word")
        expect(page.locator("[data-role=replace-preview]")).to_have_text("No matches.")
        page.keyboard.press("Control+f")
        page.keyboard.type("country")
        expect(page.locator("[data-role=replace-preview]")).to_have_text("1 match.")
        page.fill("#replace-text", "land")
        page.get_by_role("button", name="Replace 1").click()
        expect(page.locator("[data-role=replace-preview]")).to_have_text("Replaced 1 place.")
        expect(page.locator(".ed-text").nth(1)).to_have_text("ask not what your land")
        saved(page)

        # History lists every change.
        page.locator("[data-role=history] summary").click()
        expect(page.locator(".ed-revision")).to_have_count(7)
        expect(page.locator("[data-role=revisions]")).to_contain_text(
            "Renamed SPEAKER_00 to President Kennedy"
        )
        screenshot(page, "63-editor-history-desktop")

        # Restoring the engine's version is one more change, and can itself be undone.
        page.locator(".ed-revision").last.get_by_role("button", name="Restore").click()
        expect(page.locator(".ed-seg")).to_have_count(3)
        expect(page.locator(".ed-text").nth(1)).to_have_text(
            "can do for you, ask what you can do for your country."
        )
        expect(page.locator(".ed-revision").first).to_contain_text("Current")
        page.get_by_role("button", name="↶ Undo").click()
        expect(page.locator(".ed-seg")).to_have_count(4)
        saved(page)

        # Reloaded, the page shows what was saved, and remembers the accepted words.
        page.reload()
        expect(page.locator(".ed-seg")).to_have_count(4)
        assert texts(page)[:2] == ["And so my fellow Americans,", "ask not what your land"]
        assert "your nation." in texts(page)[2]
        expect(page.locator("#segments .w-low")).to_have_count(0)
        expect(page.locator("select.ed-speaker").first.locator("option:checked")).to_have_text(
            "President Kennedy"
        )

        # The player: skip, speed, and a click on a word seeks to it.
        page.wait_for_function("document.getElementById('player').readyState >= 1")
        page.get_by_role("button", name="+5 s").click()
        assert abs(player_time(page) - 5) < 0.05
        page.select_option("[data-role=speed]", "1.5")
        assert page.evaluate("document.getElementById('player').playbackRate") == 1.5
        word = page.locator(".ed-text").nth(1).locator(".w").nth(1)
        word.click()
        assert abs(player_time(page) - float(word.get_attribute("data-start") or 0)) < 0.05
        expect(word).to_have_class("w w-now")

        # The shortcuts overlay.
        page.locator("h1").click()
        page.keyboard.press("?")
        expect(page.get_by_role("dialog")).to_be_visible()
        expect(page.get_by_role("dialog")).to_contain_text("Split the segment at the cursor")
        screenshot(page, "64-editor-shortcuts-desktop", full_page=False)
        page.keyboard.press("Escape")
        expect(page.get_by_role("dialog")).to_be_hidden()

        # ?t= starts the player there.
        page.goto(editor_url + "?t=6.5")
        page.wait_for_function("document.getElementById('player').currentTime > 6.4")
        assert abs(player_time(page) - 6.5) < 0.05

        # At phone width everything is within the screen.
        page.set_viewport_size(PHONE)
        page.reload()
        expect(page.locator(".ed-seg")).to_have_count(4)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        screenshot(page, "65-editor-phone")
        screenshot(page, "66-editor-phone-top", full_page=False)

    # The database says what the page said.
    view = transcript_read(job, text_format=FULL_VERBATIM)
    assert view is not None
    assert [s.text for s in view.segments] == [
        "And so my fellow Americans,",
        "ask not what your land",
        "can do for you, ask what you can do for your nation.",
        STORED_MARKUP,
    ]
    assert [s.speaker for s in view.segments] == [
        "President Kennedy", "President Kennedy", "SPEAKER_01", "President Kennedy",
    ]  # fmt: skip
    actions = list(Revision.objects.filter(author=alice.user).order_by("version")
                   .values_list("action", flat=True))  # fmt: skip
    assert actions == ["edit", "rename", "split", "merge", "undo", "replace", "restore", "undo"]


@pytest.mark.usefixtures("transactional_db")
def test_a_stale_tab_is_refused_and_keeps_the_typed_text(live_server, alice):
    job = completed_job(alice, result=jfk_in_three_parts())
    base = live_server.url
    editor_url = f"{base}/jobs/{job.pk}/edit/"

    with chromium() as browser:
        context = browser.new_context(viewport=DESKTOP)
        first = context.new_page()
        sign_in(first, base, alice.user.email)
        second = context.new_page()
        for page in (first, second):
            page.goto(editor_url)
            expect(page.locator(".ed-seg")).to_have_count(3)

        first.locator(".ed-text").nth(0).locator(".w").nth(9).dblclick()
        first.keyboard.type("nation")
        first.locator("h1").click()
        saved(first)

        second.locator(".ed-text").nth(1).locator(".w").nth(0).click()
        second.keyboard.press("Home")
        second.keyboard.type("Typed in the other tab, ")
        second.locator("h1").click()
        conflict = second.locator("[data-role=conflict]")
        expect(conflict).to_be_visible()
        expect(conflict).to_contain_text(
            "This transcript was changed in another tab or by someone else. Reload to see "
            "the latest version; your last change was not saved."
        )
        expect(second.locator("[data-role=save-state]")).to_have_text("Not saved")
        # The typed words stay where they were typed and in a box to copy them from.
        assert texts(second)[1].startswith("Typed in the other tab, can do")
        assert (
            second.locator("[data-role=unsaved]")
            .input_value()
            .startswith("Typed in the other tab, can do for you")
        )
        expect(second.get_by_role("button", name="↶ Undo")).to_be_disabled()
        screenshot(second, "67-editor-conflict-desktop", full_page=False)

        second.get_by_role("button", name="Reload").click()
        expect(second.locator(".ed-text").nth(0)).to_have_text(
            "And so my fellow Americans, ask not what your nation"
        )
        expect(second.locator("[data-role=conflict]")).to_be_hidden()

    view = transcript_read(job, text_format=FULL_VERBATIM)
    assert view is not None
    assert view.segments[0].text == "And so my fellow Americans, ask not what your nation"
    assert view.segments[1].text == "can do for you, ask what you can do for your country."
    assert view.version == 2
