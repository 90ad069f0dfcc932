"""Every email Hark sends is branded, plain text plus HTML, says what to do, and links
to the configured public address — never the host and port a process listens on."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.mail import EmailMultiAlternatives
from django.test import Client

from accounts.invitations import invitation_create
from accounts.models import Role
from billing.notifications import low_balance_notify
from webhooks.delivery import endpoint_disable
from webhooks.services import endpoint_create

pytestmark = pytest.mark.django_db

PUBLIC = "https://hark.example.com"


@pytest.fixture(autouse=True)
def public_url(settings):
    settings.HARK_PUBLIC_URL = PUBLIC
    settings.HARK_SITE_NAME = "Hark"


def html_of(message: EmailMultiAlternatives) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return str(html)


def links(text: str) -> set[str]:
    return set(re.findall(r"https?://[^\s\"<]+", text))


def assert_branded(message) -> None:
    html = html_of(message)
    assert html.lstrip().startswith("<!doctype html>")
    assert ">Hark</td>" in html  # the layout's header
    assert "testserver" not in message.subject + message.body + html
    assert "localhost" not in message.subject + message.body + html


def test_the_invitation_email_says_who_invited_whom_and_links_to_a_working_page(alice, mailoutbox):
    invitation_create(
        organization=alice.organization, actor=alice.user, email="dana@example.org",
        role=Role.ADMIN,
    )  # fmt: skip

    [message] = mailoutbox
    assert message.to == ["dana@example.org"]
    assert message.subject == "alice@example.org invited you to Alice Org on Hark"
    assert "join Alice Org on Hark as an admin" in message.body
    assert "Choose a password for dana@example.org" in message.body
    assert "The link works once and expires on" in message.body
    assert_branded(message)
    [link] = {url for url in links(message.body) if "/invitations/" in url}
    assert link.startswith(f"{PUBLIC}/invitations/")
    # The same link is the HTML's button, and it opens the invitation.
    assert f'href="{link}"' in html_of(message)
    assert "Join Alice Org" in html_of(message)
    page = Client().get(link.removeprefix(PUBLIC))
    assert page.status_code == 200
    assert "alice@example.org invited" in page.content.decode()


def test_the_password_reset_email_is_ours_and_links_to_the_public_address(alice, mailoutbox):
    response = Client().post("/accounts/password/reset/", {"email": "alice@example.org"})
    assert response.status_code == 302

    [message] = mailoutbox
    assert message.subject == "Reset your Hark password"
    assert "Someone asked to reset the password of the Hark account alice@example.org" in (
        message.body
    )
    assert "ignore this email" in message.body
    assert_branded(message)
    [link] = links(message.body) - {PUBLIC}
    assert link.startswith(f"{PUBLIC}/accounts/password/reset/key/")
    assert f'href="{link}"' in html_of(message)
    # The link lets her choose a new password.
    page = Client().get(link.removeprefix(PUBLIC), follow=True)
    assert page.status_code == 200
    assert 'name="password1"' in page.content.decode()


def test_allauths_other_emails_go_by_the_site_name_not_the_host(mailoutbox):
    # Someone without an account asks for a reset: allauth's "unknown account" mail.
    Client().post("/accounts/password/reset/", {"email": "nobody@example.org"})
    [message] = mailoutbox
    assert message.subject.startswith("Hark: ")
    assert "testserver" not in message.subject + message.body


def test_the_low_balance_email_says_how_much_is_left_and_what_to_do(alice, mailoutbox, settings):
    settings.HARK_STRIPE_SECRET_KEY = settings.HARK_STRIPE_WEBHOOK_SECRET = ""
    assert low_balance_notify(alice.organization.pk, Decimal("1"), Decimal("5")) == 1

    [message] = mailoutbox
    assert message.subject == "Alice Org is running low on Hark credits"
    assert "Alice Org has 1 credit available, below the 5 credits at which we warn you." in (
        message.body
    )
    # Top-ups are off here: the mail does not send anyone to buy credits.
    assert "Ask the people who run this Hark installation for more credits." in message.body
    assert "Buy credits" not in html_of(message)
    assert_branded(message)


def test_with_top_ups_on_the_low_balance_email_links_to_the_wallet(alice, mailoutbox, settings):
    settings.HARK_STRIPE_SECRET_KEY = "sk_test_x"
    settings.HARK_STRIPE_WEBHOOK_SECRET = "whsec_x"
    low_balance_notify(alice.organization.pk, Decimal("2.5"), Decimal("5"))

    [message] = mailoutbox
    assert "2.5 credits available" in message.body
    assert f"{PUBLIC}/wallet/" in message.body
    assert f'href="{PUBLIC}/wallet/"' in html_of(message)


def test_the_webhook_disabled_email_says_why_and_links_to_the_endpoint(
    alice, mailoutbox, django_capture_on_commit_callbacks
):
    endpoint, _ = endpoint_create(
        organization=alice.organization, actor=None, url="https://93.184.216.34/hook"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert endpoint_disable(endpoint, reason="3 deliveries in a row failed.")

    [message] = mailoutbox
    assert message.to == ["alice@example.org"]
    assert message.subject == "Hark disabled your webhook endpoint https://93.184.216.34/hook"
    assert "Why: 3 deliveries in a row failed." in message.body
    assert "enable the endpoint again and resend what it missed" in message.body
    assert f"{PUBLIC}/webhooks/{endpoint.pk}/" in message.body
    assert f'href="{PUBLIC}/webhooks/{endpoint.pk}/"' in html_of(message)
    assert_branded(message)
