"""Helpers for driving Debian's chromium through Playwright in tests."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, ViewportSize, sync_playwright

from tests.conftest import PERSONA_PASSWORD

REPO_ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO_ROOT / "test-artifacts"

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Clicking a segment plays from there; headless has no user-activation history.
    "--autoplay-policy=no-user-gesture-required",
]

DESKTOP: ViewportSize = {"width": 1280, "height": 860}
PHONE: ViewportSize = {"width": 390, "height": 844}

# "1\n00:00:00,030 --> 00:00:07,740\ntext"
_STAMP = r"(\d{2}:\d{2}:\d{2},\d{3})"
SRT_CUE = re.compile(rf"(\d+)\r?\n{_STAMP} --> {_STAMP}\r?\n(.+?)(?:\r?\n\r?\n|\s*$)", re.S)


@contextmanager
def chromium(extra_args: Sequence[str] = ()) -> Iterator[Browser]:
    """A headless chromium; the executable comes from HARK_CHROMIUM (bin/test sets it).
    ``extra_args`` add to the defaults (the fake microphone, for recording)."""
    # Playwright's sync API runs an event loop in this thread while it is open; the
    # Django ORM must not be used here until it closes (it refuses async contexts).
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=os.environ.get("HARK_CHROMIUM", "/usr/bin/chromium"),
            args=[*CHROMIUM_ARGS, *extra_args],
            headless=True,
        )
        try:
            yield browser
        finally:
            browser.close()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


def stylesheet_applied(page: Page) -> bool:
    """True when app.css loaded: the body gets its background from it."""
    background: Any = page.evaluate("getComputedStyle(document.body).backgroundColor")
    return str(background) == "rgb(246, 247, 251)"


def parse_srt(text: str) -> list[tuple[int, str, str, str]]:
    """The cues of an SRT file as (number, start, end, text); raises on a malformed file."""
    cues = [
        (int(m.group(1)), m.group(2), m.group(3), m.group(4).strip())
        for m in SRT_CUE.finditer(text.strip() + "\n\n")
    ]
    if not cues:
        raise ValueError("no SRT cues found")
    numbers = [cue[0] for cue in cues]
    if numbers != list(range(1, len(cues) + 1)):
        raise ValueError(f"cues are not numbered 1..n: {numbers}")
    return cues


def fake_microphone_args(wav: Path) -> list[str]:
    """Chromium's fake capture device, playing ``wav`` (PCM WAV) as the microphone, with
    the permission prompt answered yes."""
    return [
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={wav}",
    ]


def no_horizontal_scroll(page: Page) -> bool:
    """The page is no wider than its window: nothing to scroll sideways to."""
    return bool(
        page.evaluate(
            "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
        )
    )


# The innermost elements whose right edge passes the window's, to say what to fix.
STICKING_OUT = """
[...document.querySelectorAll("body *")]
  .filter(e => e.getBoundingClientRect().right > innerWidth + 0.5 && e.children.length === 0)
  .slice(0, 5)
  .map(e => [e.parentElement?.parentElement, e.parentElement, e]
    .map(n => n ? n.tagName.toLowerCase() + (n.className ? "." + n.className : "") : "")
    .join(" > ") + " " + Math.round(e.getBoundingClientRect().right))
"""


# Visible form controls the stylesheet missed: Chromium's own have a 2 px radius, ours 8 px.
UNSTYLED = """
[...document.querySelectorAll("main input, main select, main textarea")]
  .filter(e => !["checkbox", "radio", "file", "hidden", "submit", "range"].includes(e.type))
  .filter(e => e.offsetParent !== null && getComputedStyle(e).borderTopLeftRadius !== "8px")
  .map(e => e.tagName.toLowerCase() + "[type=" + e.type + "]#" + e.id)
"""


def overflow(page: Page, url: str, shot: str) -> str:
    """Open ``url`` and screenshot the window as ``shot``. Empty when the page is styled and
    fits its window; otherwise which form controls missed the stylesheet, or what sticks
    out sideways."""
    response = page.goto(url)
    assert response is not None, url
    assert response.status == 200, (url, response.status)
    assert stylesheet_applied(page), url
    screenshot(page, shot, full_page=False)
    unstyled = page.evaluate(UNSTYLED)
    if unstyled:
        return f"{url} has form controls without the app's style: {unstyled}"
    return sticking_out(page, url)


def sticking_out(page: Page, url: str) -> str:
    """Empty when the open page fits its window; otherwise what sticks out sideways."""
    scroll, inner = page.evaluate("[document.scrollingElement.scrollWidth, innerWidth]")
    if scroll <= inner:
        return ""
    culprits = page.evaluate(STICKING_OUT)
    return f"{url} is {scroll} px wide in a {inner} px window; sticking out: {culprits}"


def sign_in(page: Page, base: str, email: str, password: str = PERSONA_PASSWORD) -> None:
    """Through the login form, as a person would; lands on the dashboard."""
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(base + "/")
