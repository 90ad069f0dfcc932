"""Changing a member's role on the members page: owners and admins may, only owners
touch owners, and an organization always keeps an owner."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import Membership, Role, User
from accounts.services import membership_add

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_owner_makes_a_member_an_admin(bob, charlie):
    membership = Membership.objects.get(user=charlie)
    page = signed_in(bob.user).post(
        f"/settings/members/{membership.pk}/role/", {"role": "admin"}, follow=True
    )
    assert "charlie@example.org is now admin." in page.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_an_admin_cannot_demote_an_owner(bob, charlie):
    Membership.objects.filter(user=charlie).update(role=Role.ADMIN)
    owner = Membership.objects.get(user=bob.user, organization=bob.organization)

    response = signed_in(charlie).post(f"/settings/members/{owner.pk}/role/", {"role": "member"})

    assert response.status_code == 403
    assert "Only owners can add other owners." in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_the_last_owner_stays_an_owner(bob):
    second = membership_add(
        organization=bob.organization, actor=bob.user, email="olga@example.org", role=Role.OWNER
    )
    owner = Membership.objects.get(user=bob.user, organization=bob.organization)
    client = signed_in(second.user)
    client.post(f"/settings/members/{owner.pk}/role/", {"role": "member"})
    owner.refresh_from_db()
    assert owner.role == Role.MEMBER  # another owner remains

    refused = signed_in(second.user).post(
        f"/settings/members/{second.pk}/role/", {"role": "admin"}, follow=True
    )
    assert "olga@example.org is the only owner" in refused.content.decode()
    second.refresh_from_db()
    assert second.role == Role.OWNER


def test_another_organizations_member_is_not_found(alice, bob, charlie):
    membership = Membership.objects.get(user=charlie)
    page = signed_in(alice.user).post(
        f"/settings/members/{membership.pk}/role/", {"role": "admin"}, follow=True
    )
    assert "No member with that id was found." in page.content.decode()
    membership.refresh_from_db()
    assert membership.role == Role.MEMBER
