"""The search box in the header and the results page: server-rendered, escaped, each
result a link to that moment of the recording; driven in a real browser at desktop and
phone widths (screenshots in test-artifacts/)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from playwright.sync_api import expect

from tests.browser import DESKTOP, PHONE, chromium, screenshot, stylesheet_applied
from tests.conftest import Persona
from tests.support.search_cases import LIBRIVOX, split_in_two
from tests.transcripts.helpers import TranscriptClient, completed_job


def signed_in(persona: Persona) -> Client:
    client = Client()
    client.force_login(persona.user)
    return client


def test_the_header_has_a_search_box_for_signed_in_people_only(alice, client):
    page = signed_in(alice).get("/").content.decode()
    assert 'role="search"' in page
    assert 'action="/search/"' in page

    assert 'role="search"' not in client.get("/accounts/login/").content.decode()
    assert client.get("/search/?q=ask").status_code == 302  # to the login page


def test_an_empty_search_explains_what_can_be_found(alice):
    response = signed_in(alice).get("/search/")

    assert response.status_code == 200
    assert b'data-role="search-empty"' in response.content
    assert b"Find anything that was said" in response.content


def test_results_link_to_their_moment_and_show_typed_markup_escaped(alice, bob):
    job = completed_job(alice)
    editor = TranscriptClient(alice, job)
    before = split_in_two(editor)
    second = before["segments"][1]
    editor.edit_text(second["id"], "Ask <img src=x onerror=alert(1)> again", before["version"])
    completed_job(bob, LIBRIVOX)

    response = signed_in(alice).get("/search/", {"q": "ask"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "<img" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert page.count('class="card search-hit"') == 2
    assert f'href="/jobs/{job.id}/edit/?t={second["start"]:.2f}"' in page
    assert "dashwood" not in page


def test_nothing_found_and_bad_input_say_what_to_try(alice):
    completed_job(alice)
    client = signed_in(alice)

    none = client.get("/search/", {"q": "zanzibar"})
    bad = client.get("/search/", {"q": "x" * 201})

    assert none.status_code == 200
    assert b'data-role="search-none"' in none.content
    assert "Nothing found for “zanzibar”" in none.content.decode()
    assert bad.status_code == 400
    assert b"at most 200 characters" in bad.content


@pytest.mark.browser
@pytest.mark.usefixtures("transactional_db")
def test_searching_from_the_header_in_a_browser(live_server, alice):
    job = completed_job(alice)
    editor = TranscriptClient(alice, job)
    before = split_in_two(editor)
    made = editor.edit_text(before["segments"][0]["id"],
                            "And so, my fellow <b>Americans</b>, ask not",
                            before["version"])  # fmt: skip
    said_thrice = "Ask what you can do, ask, ask for your country."
    editor.edit_text(before["segments"][1]["id"], said_thrice, made["version"])
    base = live_server.url

    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        page.goto(base + "/accounts/login/")
        page.fill("input[name=login]", alice.user.email)
        page.fill("input[name=password]", "correct horse battery")
        page.get_by_role("button", name="Sign In").click()
        page.wait_for_url(base + "/")

        page.goto(base + "/search/")
        assert stylesheet_applied(page)
        expect(page.get_by_text("Find anything that was said")).to_be_visible()
        screenshot(page, "60-search-empty-desktop")

        page.fill("#header-q", "ask")
        page.press("#header-q", "Enter")
        page.wait_for_url(re.compile(r".*/search/\?q=ask$"))
        hits = page.locator(".search-hit")
        expect(hits).to_have_count(2)
        # Said three times beats once; the typed <b> is text, not bold.
        expect(hits.nth(0).locator("mark")).to_have_count(3)
        expect(hits.nth(1)).to_contain_text("<b>Americans</b>")
        expect(hits.nth(1).locator("b")).to_have_count(0)
        expect(page.locator("#header-q")).to_have_value("ask")
        screenshot(page, "61-search-results-desktop")
        assert page.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
        href = hits.nth(0).locator("a.snippet").get_attribute("href")
        assert href == f"/jobs/{job.id}/edit/?t={before['segments'][1]['start']:.2f}"

        # The nav has a row of its own from 1024 px, so the search field keeps its room.
        page.set_viewport_size({"width": 1100, "height": 700})
        expect(page.locator("#header-q")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 1100
        screenshot(page, "62-search-results-narrow-desktop", full_page=False)

        page.set_viewport_size(PHONE)
        page.reload()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        expect(page.locator("#header-q")).to_be_visible()
        screenshot(page, "63-search-results-phone")

        page.fill("#q", "zanzibar")
        page.locator("#main").get_by_role("button", name="Search").click()
        expect(page.get_by_text("Nothing found for “zanzibar”")).to_be_visible()
        screenshot(page, "64-search-none-phone")
