"""API keys: prefixed, hashed, shown once, both auth schemes, revocable."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accounts.models import ApiKey, Membership, Role, User
from accounts.services import (
    PermissionDenied,
    api_key_create,
    api_key_revoke,
    hash_api_key,
    membership_add,
)

pytestmark = pytest.mark.django_db


def test_keys_are_stored_only_as_a_hash_behind_a_short_prefix(alice):
    stored = ApiKey.objects.get(pk=alice.api_key.pk)
    assert alice.raw_key.startswith("hark_")
    assert stored.hashed_key == hash_api_key(alice.raw_key)
    assert alice.raw_key not in (stored.prefix, stored.hashed_key, stored.name)
    assert alice.raw_key.startswith(stored.prefix)


@pytest.mark.parametrize("scheme", ["Bearer", "Token", "bearer"])
def test_both_authorization_schemes_authenticate(alice, scheme):
    response = alice.client(scheme).get("/api/v1/account/")
    assert response.status_code == 200
    assert response.json()["organization"]["name"] == "Alice Org"
    assert ApiKey.objects.get(pk=alice.api_key.pk).last_used_at is not None


def test_a_revoked_key_is_refused_with_the_error_shape(alice):
    assert api_key_revoke(
        organization=alice.organization, key_id=alice.api_key.pk, actor=alice.user
    )
    response = alice.client().get("/api/v1/account/")
    assert response.status_code == 401
    assert response.json() == {
        "error": "authentication_failed",
        "message": "This API key is not valid or was revoked.",
    }


def test_an_organization_cannot_revoke_another_organizations_key(alice, bob):
    assert not api_key_revoke(
        organization=bob.organization, key_id=alice.api_key.pk, actor=bob.user
    )
    assert alice.client().get("/api/v1/account/").status_code == 200


def test_create_api_key_command_creates_user_and_org_and_prints_only_the_key(db):
    out = io.StringIO()
    call_command("create_api_key", "dora@example.org", "--org", "Dora Labs", stdout=out)
    raw_key = out.getvalue().strip()
    assert raw_key.startswith("hark_")
    assert "\n" not in raw_key
    user = User.objects.get(email="dora@example.org")
    membership = Membership.objects.get(user=user)
    assert membership.organization.name == "Dora Labs"
    assert membership.role == Role.OWNER
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {raw_key}")
    body = client.get("/api/v1/account/").json()
    assert body["organization"]["name"] == "Dora Labs"
    assert body["in_wallet"] == 60.0


def test_create_api_key_reuses_the_existing_organization(alice):
    out = io.StringIO()
    call_command("create_api_key", "alice@example.org", stdout=out)
    key = ApiKey.objects.get(hashed_key=hash_api_key(out.getvalue().strip()))
    assert key.organization == alice.organization


def test_only_owners_and_admins_add_members(alice, bob, charlie):
    with pytest.raises(PermissionDenied):
        membership_add(organization=bob.organization, actor=charlie, email="eve@example.org")
    assert not User.objects.filter(email="eve@example.org").exists()
    with pytest.raises(PermissionDenied):
        membership_add(organization=alice.organization, actor=bob.user, email="eve@example.org")
    membership = membership_add(
        organization=alice.organization, actor=alice.user, email="eve@example.org", role=Role.ADMIN
    )
    assert membership.role == Role.ADMIN


def test_a_user_in_two_organizations_can_switch_between_them(alice, bob, client):
    membership_add(organization=bob.organization, actor=bob.user, email="alice@example.org")
    client.force_login(alice.user)
    assert client.get("/api/v1/account/").json()["organization"]["name"] == "Alice Org"
    from accounts.tenancy import SESSION_KEY

    session = client.session
    session[SESSION_KEY] = bob.organization.pk
    session.save()
    assert client.get("/api/v1/account/").json()["organization"]["name"] == "Bob Org"


def test_only_owners_admins_and_staff_manage_keys_whatever_calls_the_service(alice, bob):
    member = membership_add(
        organization=alice.organization, actor=alice.user, email="mia@example.org"
    ).user
    with pytest.raises(PermissionDenied, match="Only owners and admins"):
        api_key_create(organization=alice.organization, name="mine", created_by=member)
    with pytest.raises(PermissionDenied):
        api_key_revoke(organization=alice.organization, key_id=alice.api_key.pk, actor=member)
    # Someone else's owner is nobody here.
    with pytest.raises(PermissionDenied):
        api_key_create(organization=alice.organization, name="x", created_by=bob.user)
    assert ApiKey.objects.filter(organization=alice.organization).count() == 1
    assert alice.client().get("/api/v1/account/").status_code == 200

    staff = User.objects.create_user(email="ops@hark.local", password="x", is_staff=True)
    api_key, _ = api_key_create(organization=alice.organization, name="ops", created_by=staff)
    assert api_key_revoke(organization=alice.organization, key_id=api_key.pk, actor=staff)


def test_create_api_key_command_issues_a_key_for_a_plain_member(alice):
    membership_add(organization=alice.organization, actor=alice.user, email="mia@example.org")
    out = io.StringIO()
    call_command("create_api_key", "mia@example.org", stdout=out)
    key = ApiKey.objects.get(hashed_key=hash_api_key(out.getvalue().strip()))
    assert key.created_by is not None
    assert (key.organization, key.created_by.email) == (alice.organization, "mia@example.org")
