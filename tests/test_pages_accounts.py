"""API key, member and organization-switch pages: who may do what, and nothing leaks."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import ApiKey, Invitation, Membership, Role, User
from accounts.services import membership_add, organization_create
from tests.conftest import Persona

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_keys_page_lists_the_organizations_keys_only(alice, bob):
    body = signed_in(alice.user).get("/settings/api-keys/").content.decode()

    assert f"{alice.api_key.prefix}…" in body
    assert "alice@example.org" in body  # created by
    assert "Never" in body  # last used
    assert "Active" in body
    assert bob.api_key.prefix not in body
    assert alice.raw_key not in body
    assert 'action="/settings/api-keys/"' in body  # owners may create


def test_a_new_key_is_shown_once_and_works_against_the_api(alice):
    client = signed_in(alice.user)

    response = client.post("/settings/api-keys/", {"name": "Production server"})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    match = re.search(r'data-role="raw-key">(hark_[^<]+)<', response.content.decode())
    assert match, "the raw key is on the page"
    raw_key = match.group(1)
    key = ApiKey.objects.get(organization=alice.organization, name="Production server")
    assert key.created_by == alice.user
    assert raw_key.startswith(key.prefix)

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    account = api.get("/api/v1/account/")
    assert account.status_code == 200
    assert account.json()["organization"] == {"id": alice.organization.pk, "name": "Alice Org"}

    # Never again: the list shows the prefix only.
    listing = client.get("/settings/api-keys/").content.decode()
    assert "Production server" in listing
    assert raw_key not in listing


def test_a_blank_key_name_is_refused_with_a_message(alice):
    response = signed_in(alice.user).post("/settings/api-keys/", {"name": ""})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert ApiKey.objects.filter(organization=alice.organization).count() == 1


def test_revoking_a_key_stops_it_working(alice):
    client = signed_in(alice.user)

    response = client.post(f"/settings/api-keys/{alice.api_key.pk}/revoke/", follow=True)

    assert "The key was revoked" in response.content.decode()
    alice.api_key.refresh_from_db()
    assert alice.api_key.revoked_at is not None
    assert alice.client().get("/api/v1/account/").status_code == 401
    assert "Revoked" in client.get("/settings/api-keys/").content.decode()


def test_a_revoked_keys_date_is_shown_like_the_other_dates_on_the_page(alice):
    client = signed_in(alice.user)
    client.post(f"/settings/api-keys/{alice.api_key.pk}/revoke/")
    key = ApiKey.objects.get(pk=alice.api_key.pk)
    assert key.revoked_at is not None

    page = client.get("/settings/api-keys/").content.decode()

    # Both through {% local_time … "date" %}: UTC as the fallback, the reader's own zone
    # and locale once local-time.js has run.
    status = page[page.index('data-label="Status"') :].split("</td>", 1)[0]
    assert f'<time datetime="{key.revoked_at.isoformat()}" data-local="date"' in status
    assert key.revoked_at.strftime("%-d %b %Y") in status
    created = page[page.index('data-label="Created"') :].split("</td>", 1)[0]
    assert 'data-local="date"' in created
    assert str(key.revoked_at) not in page
    assert not re.search(r"\b[ap]\.m\.", page)  # Django's default DATETIME_FORMAT


def test_alice_cannot_revoke_bobs_key(alice, bob):
    response = signed_in(alice.user).post(
        f"/settings/api-keys/{bob.api_key.pk}/revoke/", follow=True
    )

    assert "does not exist or was already revoked" in response.content.decode()
    bob.api_key.refresh_from_db()
    assert bob.api_key.revoked_at is None


def test_members_see_keys_read_only_and_cannot_create_or_revoke(bob, charlie):
    client = signed_in(charlie)

    page = client.get("/settings/api-keys/").content.decode()
    assert f"{bob.api_key.prefix}…" in page
    assert 'action="/settings/api-keys/"' not in page
    assert "/revoke/" not in page

    created = client.post("/settings/api-keys/", {"name": "sneaky"})
    revoked = client.post(f"/settings/api-keys/{bob.api_key.pk}/revoke/")

    assert created.status_code == 403
    assert revoked.status_code == 403
    assert "Only owners and admins" in created.content.decode()
    assert not ApiKey.objects.filter(name="sneaky").exists()
    bob.api_key.refresh_from_db()
    assert bob.api_key.revoked_at is None


def test_the_members_page_lists_members_and_roles(bob, charlie):
    body = signed_in(bob.user).get("/settings/members/").content.decode()
    assert "bob@example.org" in body
    assert "charlie@example.org" in body
    assert "Owner" in body
    assert "Member" in body
    assert "2 members" in body


def test_an_owner_invites_a_member_who_joins_only_by_the_emailed_link(alice, mailoutbox):
    response = signed_in(alice.user).post(
        "/settings/members/", {"email": "dave@example.org", "role": Role.ADMIN}, follow=True
    )

    body = response.content.decode()
    assert "Invitation sent to dave@example.org as admin" in body
    assert 'data-invitation="dave@example.org"' in body
    # Nobody joins, and no account appears, until the link is used.
    assert not User.objects.filter(email="dave@example.org").exists()
    assert Invitation.objects.get(organization=alice.organization).role == Role.ADMIN
    [message] = mailoutbox
    assert message.to == ["dave@example.org"]


def test_a_member_cannot_invite_members(bob, charlie, mailoutbox):
    client = signed_in(charlie)
    assert 'action="/settings/members/"' not in client.get("/settings/members/").content.decode()

    response = client.post("/settings/members/", {"email": "eve@example.org", "role": "member"})

    assert response.status_code == 403
    assert "Only owners and admins can invite members" in response.content.decode()
    assert not Invitation.objects.exists()
    assert mailoutbox == []
    assert Membership.objects.filter(organization=bob.organization).count() == 2


def test_charlie_sees_none_of_alices_keys_or_members(alice, charlie):
    client = signed_in(charlie)
    keys = client.get("/settings/api-keys/").content.decode()
    members = client.get("/settings/members/").content.decode()
    assert alice.api_key.prefix not in keys
    assert "alice@example.org" not in members
    assert "Alice Org" not in members


def test_someone_in_two_organizations_switches_between_them(alice: Persona, bob: Persona):
    membership_add(organization=bob.organization, actor=bob.user, email=alice.user.email)
    client = signed_in(alice.user)

    page = client.get("/wallet/").content.decode()
    assert 'name="organization_id"' in page  # the switcher appears with two organizations

    response = client.post(
        "/organization/switch/", {"organization_id": bob.organization.pk, "next": "/wallet/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/wallet/"
    keys = client.get("/settings/api-keys/").content.decode()
    assert bob.api_key.prefix in keys
    assert alice.api_key.prefix not in keys


def test_switching_to_an_organization_you_are_not_in_changes_nothing(alice, bob):
    stranger_org = organization_create(name="Stranger Org", owner=bob.user)
    client = signed_in(alice.user)

    response = client.post(
        "/organization/switch/", {"organization_id": stranger_org.pk, "next": "/"}, follow=True
    )

    assert "You are not a member of that organization." in response.content.decode()
    assert alice.api_key.prefix in client.get("/settings/api-keys/").content.decode()


def test_switching_never_redirects_off_site_or_to_a_job_of_the_old_organization(alice, bob):
    membership_add(organization=bob.organization, actor=bob.user, email=alice.user.email)
    client = signed_in(alice.user)
    for target in ("https://evil.example/", f"/jobs/{'0' * 8}-0000-0000-0000-{'0' * 12}/"):
        response = client.post(
            "/organization/switch/", {"organization_id": bob.organization.pk, "next": target}
        )
        assert response["Location"] == "/", target


def test_the_single_organization_name_is_shown_without_a_switcher(alice):
    body = signed_in(alice.user).get("/help/").content.decode()
    assert "Alice Org" in body
    assert 'name="organization_id"' not in body
