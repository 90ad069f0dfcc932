"""Numbers on pages are written the way the reader's browser asks (Accept-Language), as
dates are; the page stays in English."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from billing.selectors import wallet_for
from billing.services import credits_grant
from jobs.templatetags.hark_format import credits, number

pytestmark = pytest.mark.django_db


def wallet_page(persona, accept_language: str | None) -> str:
    client = Client()
    client.force_login(persona.user)
    headers = {"Accept-Language": accept_language} if accept_language else {}
    response = client.get("/wallet/", headers=headers)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def rich(alice):
    balance = wallet_for(alice.organization).balance
    credits_grant(
        organization=alice.organization, amount=Decimal("1234.5") - balance, reason="test"
    )
    return alice


@pytest.mark.parametrize(
    ("accept_language", "written"),
    [
        (None, "1,234.5 credits"),
        ("en-US,en;q=0.9", "1,234.5 credits"),
        ("de-DE,de;q=0.9,en;q=0.8", "1.234,5 credits"),
        ("fr-FR,fr;q=0.9", "1\xa0234,5 credits"),
    ],
)
def test_the_balance_is_written_in_the_readers_locale(rich, accept_language, written):
    page = wallet_page(rich, accept_language)
    assert written in page


def test_a_german_reader_still_gets_the_page_in_english(rich):
    # Only numbers follow the browser: were the language activated, the login form
    # (allauth ships German) would say "Anmeldung".
    page = Client().get("/accounts/login/", headers={"Accept-Language": "de-DE,de;q=0.9"})
    html = page.content.decode()
    assert "Sign In" in html
    assert "Anmeldung" not in html
    assert "1.234,5 credits" in wallet_page(rich, "de-DE,de;q=0.9")


def test_numbers_outside_a_request_use_the_sites_locale():
    assert credits(Decimal("1234.5")) == "1,234.5 credits"
    assert credits(1) == "1 credit"


@pytest.mark.parametrize(
    ("value", "places", "written"),
    [
        (1234, "0", "1,234"),
        ("34.2", "-2", "34.20"),
        ("34.00", "-2", "34"),
        (3.14159, "2", "3.14"),
        (None, "0", ""),
    ],
)
def test_the_number_filter_rounds_as_floatformat_does(value, places, written):
    assert number(value, places) == written
