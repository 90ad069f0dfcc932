"""A team in a real browser: the owner invites a teammate, the invitation email's link
is opened in a fresh browser, the teammate signs up and lands in the organization with
the invited role; the owner sets the organization's defaults and the next upload starts
from them. Screenshots at 1280 and 390 px, and no page scrolls sideways."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from accounts.models import Membership, Role, User
from jobs.models import TranscriptionJob
from tests.audio_fixtures import SHARED_AUDIO
from tests.browser import DESKTOP, PHONE, chromium, screenshot, stylesheet_applied

pytestmark = [pytest.mark.browser]

JOB_URL = re.compile(r".*/jobs/([0-9a-f-]{36})/$")
LINK = re.compile(r"https?://[^\s\"<]+/invitations/[^\s\"<]+/")
PASSWORD = "a long pass phrase 7"


def sign_in(page: Page, base: str, email: str, password: str, next_path: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_path}")
    page.fill("input[name=login]", email)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(f"**{next_path}")


def fits(page: Page) -> bool:
    width: int = page.evaluate("document.documentElement.scrollWidth")
    return width <= page.viewport_size["width"]  # type: ignore[index]


def both_widths(page: Page, name: str) -> None:
    for label, size in (("desktop", DESKTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        assert fits(page), f"{name} scrolls sideways at {size['width']} px"
        screenshot(page, f"team-{name}-{label}")
    page.set_viewport_size(DESKTOP)


@pytest.mark.usefixtures("transactional_db")
def test_an_owner_invites_a_teammate_who_signs_up_through_the_emailed_link(
    live_server, alice, settings
):
    base = live_server.url
    settings.HARK_PUBLIC_URL = base
    mail.outbox = []

    with chromium() as browser:
        owner = browser.new_page(viewport=DESKTOP)
        sign_in(owner, base, alice.user.email, "correct horse battery", "/settings/members/")
        assert stylesheet_applied(owner)
        owner.fill("input[name=email]", "dana@example.org")
        owner.select_option("select[name=role]", "admin")
        owner.get_by_role("button", name="Send invitation").click()
        expect(owner.locator(".messages")).to_contain_text(
            "Invitation sent to dana@example.org as admin"
        )
        expect(owner.locator('[data-invitation="dana@example.org"]')).to_be_visible()
        both_widths(owner, "members-invited")

        # The teammate: a browser of her own with nothing but the email.
        [message] = mail.outbox
        [link] = set(LINK.findall(str(message.body)))
        assert link.startswith(base)
        teammate = browser.new_context(viewport=PHONE).new_page()
        teammate.goto(link)
        expect(teammate.get_by_role("heading", name="Join Alice Org")).to_be_visible()
        both_widths(teammate, "invitation")
        teammate.get_by_role("link", name="Create your account").click()
        expect(teammate.locator("input[name=email]")).to_have_value("dana@example.org")
        teammate.fill("input[name=password1]", PASSWORD)
        teammate.fill("input[name=password2]", PASSWORD)
        teammate.get_by_role("button", name="Sign Up").click()
        teammate.wait_for_url(f"{base}/")
        expect(teammate.locator(".messages")).to_contain_text("Welcome to Alice Org")
        both_widths(teammate, "joined-dashboard")

        # The same link again: used, and the page says so.
        teammate.goto(link)
        expect(teammate.get_by_role("heading")).to_contain_text("already used")
        screenshot(teammate, "team-invitation-used-phone")

        # The owner sees her as an admin, with the role she can change.
        owner.goto(f"{base}/settings/members/")
        expect(owner.get_by_label("Role of dana@example.org")).to_have_value("admin")
        expect(owner.locator("#invitations")).to_have_count(0)
        both_widths(owner, "members-joined")

    dana = User.objects.get(email="dana@example.org")
    assert list(Membership.objects.filter(user=dana).values_list("organization", "role")) == [
        (alice.organization.pk, Role.ADMIN)
    ]


@pytest.mark.usefixtures("transactional_db")
def test_the_settings_page_saves_defaults_and_the_next_upload_uses_them(live_server, alice):
    base = live_server.url
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        sign_in(page, base, alice.user.email, "correct horse battery", "/settings/")
        page.fill("input[name=name]", "Alice Research")
        page.select_option("select[name=default_engine]", "whisper")
        page.select_option("select[name=default_language]", "de")
        page.fill("textarea[name=vocabulary]", "Hark, Okonkwo")
        page.get_by_role("button", name="Save settings").click()
        expect(page.locator(".messages")).to_contain_text("Settings saved")
        expect(page.locator("select[name=default_language]")).to_have_value("de")
        both_widths(page, "settings")

        page.goto(f"{base}/transcribe/new/")
        expect(page.locator("#model")).to_have_value("whisper")
        expect(page.locator("#language")).to_have_value("de")
        expect(page.locator("#organization-vocabulary")).to_contain_text("Hark, Okonkwo")
        page.set_input_files("#file", str(SHARED_AUDIO / "jfk.flac"))
        screenshot(page, "team-upload-defaults-desktop")
        page.click("#submit")
        page.wait_for_url(JOB_URL)

    job = TranscriptionJob.objects.get(organization=alice.organization)
    assert (job.engine, job.language) == ("whisper", "de")
    assert job.vocabulary == ["Hark", "Okonkwo"]
