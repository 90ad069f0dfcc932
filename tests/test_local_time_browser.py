"""Dates and times in the reader's own locale and time zone: the server writes UTC (the
no-JavaScript fallback) and static/hark/local-time.js rewrites it with the browser's
Intl.DateTimeFormat — on first load and in the dashboard rows htmx swaps in."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from playwright.sync_api import Page

from billing.models import LedgerEntry
from billing.selectors import wallet_for
from jobs.models import TranscriptionJob
from tests.browser import DESKTOP, chromium, screenshot
from tests.conftest import Persona
from tests.support.organization_data import finished_job, queued_job

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery"
SPACES = str.maketrans({"\u202f": " ", "\u00a0": " "})  # ICU puts these before AM/PM


def german(when: datetime) -> str:
    """de-DE, dateStyle medium and timeStyle short: "06.12.2026, 00:30"."""
    local = when.astimezone(ZoneInfo("Europe/Berlin"))
    return f"{local:%d.%m.%Y}, {local:%H:%M}"


def american(when: datetime) -> str:
    """en-US, dateStyle medium and timeStyle short: "Dec 5, 2026, 6:30 PM"."""
    local = when.astimezone(ZoneInfo("America/New_York"))
    hour = local.hour % 12 or 12
    return f"{local:%b} {local.day}, {local.year}, {hour}:{local:%M} {local:%p}"


def sign_in(page: Page, base: str, persona: Persona) -> None:
    page.goto(base + "/accounts/login/")
    page.fill("input[name=login]", persona.user.email)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.wait_for_url(base + "/")


def text(page: Page, selector: str) -> str:
    return (page.locator(selector).text_content() or "").translate(SPACES).strip()


@pytest.mark.usefixtures("transactional_db")
def test_dates_show_in_the_browsers_locale_and_time_zone_even_in_refreshed_rows(live_server, alice):
    job = finished_job(alice)
    # Late in the UTC evening, so Berlin is already on the next day and New York is not.
    assert job.finished_at is not None
    finished = job.finished_at.replace(hour=23, minute=30, second=0, microsecond=0)
    TranscriptionJob.objects.filter(pk=job.pk).update(finished_at=finished)
    entry = LedgerEntry.objects.filter(wallet=wallet_for(alice.organization)).latest("pk")
    running = queued_job(alice)  # its dashboard row is fetched again every 2 s

    # Without JavaScript the server's UTC text stays.
    fallback = Client()
    fallback.force_login(alice.user)
    body = fallback.get(f"/jobs/{job.pk}/").content.decode()
    assert f'data-local="datetime" title="{finished:%-d %b %Y, %H:%M} UTC"' in body
    assert f">{finished:%-d %b %Y, %H:%M}</time>" in body

    base = live_server.url
    with chromium() as browser:
        for locale, zone, expected in (
            ("de-DE", "Europe/Berlin", german),
            ("en-US", "America/New_York", american),
        ):
            context = browser.new_context(viewport=DESKTOP, locale=locale, timezone_id=zone)
            page = context.new_page()
            sign_in(page, base, alice)

            page.goto(f"{base}/jobs/{job.pk}/")
            assert text(page, "[data-role=finished] time") == expected(finished)
            screenshot(page, f"local-time-job-{locale}", full_page=False)

            page.goto(f"{base}/wallet/")
            cell = f'time[datetime="{entry.created_at.isoformat()}"]'
            assert text(page, cell) == expected(entry.created_at)

            # A relative time keeps its words and gets the full local time as its title,
            # also once htmx has swapped the running job's row for a fresh one.
            page.goto(f"{base}/")
            page.evaluate(
                "window.swaps = 0;"
                "document.body.addEventListener('htmx:afterSettle', () => window.swaps++)"
            )
            page.wait_for_function("window.swaps >= 1", timeout=10_000)
            created = page.locator(f'tr[data-job-id="{running.pk}"] time[data-local]')
            title = (created.get_attribute("title") or "").translate(SPACES)
            local = running.created_at.astimezone(ZoneInfo(zone))
            clock = f"{local:%H:%M:%S}" if locale == "de-DE" else f"{local:%-I:%M:%S %p}"
            assert clock in title, title
            assert "ago" in (created.text_content() or "")
            context.close()
