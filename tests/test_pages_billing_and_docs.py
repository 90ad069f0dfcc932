"""The wallet page, the API quick start, help, and allauth's pages in our layout."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client

from accounts.models import Membership, Role, User
from billing.models import EntryKind, LedgerEntry
from billing.services import credits_grant, hold_place
from jobs.options import TranscriptionOptions
from jobs.services.intake import job_create
from tests.audio_fixtures import SHARED_AUDIO

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_wallet_shows_balance_holds_and_the_sign_up_grant(alice):
    job_create(
        organization=alice.organization,
        path=SHARED_AUDIO / "jfk.flac",
        filename="jfk.flac",
        options=TranscriptionOptions(),
    )

    body = signed_in(alice.user).get("/wallet/").content.decode()

    assert 'data-role="balance">60 ' in body
    assert 'data-role="held">0.19 ' in body
    assert 'data-role="available">59.81 ' in body
    assert "Sign-up grant" in body
    assert "+60" in body
    assert "Need more credits?" in body


def test_the_wallet_says_one_credit_not_one_credits(alice):
    hold_place(organization=alice.organization, amount=Decimal("59"), reference="job:x")

    body = signed_in(alice.user).get("/wallet/").content.decode()

    assert 'data-role="available">1 <small>credit</small>' in body
    assert 'data-role="held">59 <small>credits</small>' in body


def test_the_ledger_is_paginated_newest_first(alice):
    for n in range(30):
        credits_grant(organization=alice.organization, amount=Decimal("1"), reason=f"Bonus {n}")
    client = signed_in(alice.user)

    first = client.get("/wallet/").content.decode()
    second = client.get("/wallet/?page=2").content.decode()

    assert "Bonus 29" in first
    assert "Sign-up grant" not in first
    assert "Sign-up grant" in second
    assert "Page 2 of 2" in second
    assert LedgerEntry.objects.filter(kind=EntryKind.GRANT).count() == 31


def test_charlie_sees_bobs_wallet_not_alices(alice, bob, charlie):
    credits_grant(organization=alice.organization, amount=Decimal("5"), reason="Alice only")
    body = signed_in(charlie).get("/wallet/").content.decode()
    assert "Alice only" not in body
    assert 'data-role="balance">60 ' in body


def test_the_api_quick_start_uses_this_installations_address(alice, settings):
    client = signed_in(alice.user)

    body = client.get("/docs/api/").content.decode()
    assert 'BASE_URL = "http://testserver/api/v1"' in body
    assert "curl -X POST http://testserver/api/v1/transcribe/" in body
    assert "http://testserver/api/v1/transcribe/JOB_ID/?format=srt" in body
    assert "http://testserver/api/v1/account/" in body
    assert 'href="/api/docs/"' in body
    assert 'href="/api/schema/"' in body

    settings.HARK_PUBLIC_URL = "https://hark.example.com"
    body = client.get("/docs/api/").content.decode()
    assert 'BASE_URL = "https://hark.example.com/api/v1"' in body


def test_help_answers_limits_engines_and_holds(alice, settings):
    settings.HARK_MAX_UPLOAD_MB = 123
    body = signed_in(alice.user).get("/help/").content.decode()
    assert "123 MB" in body
    assert "Local (pocketsphinx, English)" in body
    assert "English" in body
    assert "What if a job fails or I cancel it?" in body
    assert "It costs nothing" in body
    assert "<code>SRT</code>" in body


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_auth_pages_use_the_hark_layout(client, url):
    body = client.get(url).content.decode()
    assert "/static/hark/app.css" in body
    assert 'class="card auth-card"' in body
    assert 'class="field"' in body


def test_allauths_buttons_are_styled_by_what_they_do(alice):
    page = signed_in(alice.user).get("/accounts/email/").content.decode()

    def classes(name: str) -> str:
        match = re.search(rf'<button\s+class="([^"]*)"[^>]*name="{name}"', page)
        assert match, name
        return match.group(1)

    # Only the main action is filled in; Remove reads red on white, never on the accent.
    assert classes("action_primary") == "btn primary"
    assert classes("action_send") == "btn"
    assert classes("action_remove") == "btn danger"


def test_signing_up_creates_an_organization_and_lands_on_the_dashboard(client):
    response = client.post(
        "/accounts/signup/",
        {
            "email": "new@example.org",
            "password1": "a long pass phrase",
            "password2": "a long pass phrase",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == "/"
    body = response.content.decode()
    assert "No transcriptions yet" in body
    assert "new's workspace" in body.replace("&#x27;", "'")
    membership = Membership.objects.get(user__email="new@example.org")
    assert membership.role == Role.OWNER


def test_logging_out_is_a_post_from_the_nav(alice):
    client = signed_in(alice.user)
    page = client.get("/").content.decode()
    assert 'action="/accounts/logout/"' in page

    client.post("/accounts/logout/")
    assert client.get("/wallet/").status_code == 302
    assert 'data-role="signup"' in client.get("/").content.decode()  # the front page again
