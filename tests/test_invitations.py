"""Invitations: the emailed link signs up a newcomer or joins an existing account into
the organization with the invited role, once, before it expires; every other use of a
link gets a page that says why. Owners and admins invite, resend and withdraw."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import signing
from django.core.mail import EmailMessage
from django.test import Client
from django.utils import timezone

from accounts.errors import InvitationUnusable
from accounts.invitations import (
    TOKEN_SALT,
    invitation_create,
    invitation_from_token,
    invitation_resend,
    invitation_token,
)
from accounts.models import Invitation, InvitationStatus, Membership, Organization, Role, User
from accounts.tenancy import SESSION_KEY

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://[^\s\"<]+/invitations/[^\s\"<]+/")


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def link_in(message: EmailMessage) -> str:
    [link] = set(LINK.findall(str(message.body)))
    return str(link)


def path_of(link: str) -> str:
    return "/" + link.split("/", 3)[3]


def invite(persona, email: str, role: str = Role.MEMBER) -> Invitation:
    return invitation_create(
        organization=persona.organization,
        actor=persona.user,
        email=email,
        role=role,
        base_url="http://testserver",
    ).invitation


def test_a_newcomer_signs_up_through_the_link_and_lands_in_the_organization(
    alice, mailoutbox, settings
):
    settings.HARK_PUBLIC_URL = "https://hark.example.com"
    signed_in(alice.user).post("/settings/members/", {"email": "Dana@Example.org", "role": "admin"})
    link = link_in(mailoutbox[0])
    assert link.startswith("https://hark.example.com/invitations/")

    visitor = Client()
    page = visitor.get(path_of(link))
    assert page.status_code == 200
    assert "Create your account" in page.content.decode()
    # The sign-up form starts with the invited address.
    assert 'value="Dana@example.org"' in visitor.get("/accounts/signup/").content.decode()
    response = visitor.post(
        "/accounts/signup/?next=/",
        {"email": "dana@example.org", "password1": "a long pass phrase 7", "password2":
         "a long pass phrase 7"},
    )  # fmt: skip

    assert response.status_code == 302
    dana = User.objects.get(email__iexact="dana@example.org")
    # Joined with the invited role, and no workspace of her own was made.
    assert list(Membership.objects.filter(user=dana).values_list("organization", "role")) == [
        (alice.organization.pk, Role.ADMIN)
    ]
    assert Organization.objects.count() == 1
    assert visitor.session[SESSION_KEY] == alice.organization.pk
    assert "Welcome to Alice Org" in visitor.get("/", follow=True).content.decode()
    invitation = Invitation.objects.get()
    assert (invitation.status, invitation.accepted_by) == (InvitationStatus.ACCEPTED, dana)


def test_someone_with_an_account_signs_in_and_joins(alice, bob, mailoutbox):
    invite(alice, "bob@example.org", Role.ADMIN)
    path = path_of(link_in(mailoutbox[0]))
    assert "Sign in to join" in Client().get(path).content.decode()

    client = signed_in(bob.user)
    assert "Join Alice Org" in client.get(path).content.decode()
    response = client.post(path)

    assert response.status_code == 302
    assert Membership.objects.get(organization=alice.organization, user=bob.user).role == "admin"
    assert client.session[SESSION_KEY] == alice.organization.pk
    # Bob keeps his own organization too.
    assert Membership.objects.filter(user=bob.user).count() == 2


def test_a_link_joins_once(alice, bob, mailoutbox):
    invite(alice, "bob@example.org")
    path = path_of(link_in(mailoutbox[0]))
    client = signed_in(bob.user)
    client.post(path)

    again = client.post(path)
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    assert Membership.objects.filter(organization=alice.organization).count() == 2


def test_an_expired_link_says_so_and_resending_gives_a_working_one(alice, bob, mailoutbox):
    invitation = invite(alice, "bob@example.org")
    old_path = path_of(link_in(mailoutbox[0]))
    Invitation.objects.filter(pk=invitation.pk).update(
        sent_at=timezone.now() - timedelta(days=7, seconds=1)
    )
    client = signed_in(bob.user)

    expired = client.post(old_path)
    assert expired.status_code == 410
    assert "This invitation has expired" in expired.content.decode()
    assert not Membership.objects.filter(organization=alice.organization, user=bob.user).exists()

    invitation_resend(
        organization=alice.organization,
        actor=alice.user,
        invitation_id=invitation.pk,
        base_url="http://testserver",
    )
    new_path = path_of(link_in(mailoutbox[1]))
    assert new_path != old_path
    # Only the newest email's link works.
    assert "A newer invitation" in client.get(old_path).content.decode()
    assert client.post(new_path).status_code == 302
    assert Membership.objects.filter(organization=alice.organization, user=bob.user).exists()


def test_the_expiry_follows_the_clock_it_is_given(alice, settings):
    settings.HARK_INVITATION_DAYS = 2
    invitation = invite(alice, "dana@example.org")
    token = invitation_token(invitation)
    assert invitation_from_token(token, now=invitation.sent_at + timedelta(days=1)) == invitation
    with pytest.raises(InvitationUnusable) as expired:
        invitation_from_token(token, now=invitation.sent_at + timedelta(days=2))
    assert expired.value.reason == "expired"


def test_a_withdrawn_invitation_cannot_be_used(alice, bob, mailoutbox):
    invitation = invite(alice, "bob@example.org")
    path = path_of(link_in(mailoutbox[0]))
    response = signed_in(alice.user).post(f"/settings/members/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302

    page = signed_in(bob.user).post(path)
    assert page.status_code == 410
    assert "was withdrawn" in page.content.decode()
    assert not Membership.objects.filter(organization=alice.organization, user=bob.user).exists()


def test_a_link_for_someone_else_is_refused_while_signed_in_as_another(alice, bob, mailoutbox):
    invite(alice, "dana@example.org")
    path = path_of(link_in(mailoutbox[0]))

    response = signed_in(bob.user).post(path)

    assert response.status_code == 403
    body = response.content.decode()
    assert "This invitation is for dana@example.org" in body
    assert "Sign out and use the invitation" in body
    assert not Membership.objects.filter(organization=alice.organization, user=bob.user).exists()


def test_an_invitation_to_one_organization_cannot_join_another(alice, bob, mailoutbox):
    invite(alice, "dana@example.org")
    to_bob = invite(bob, "dana@example.org")
    alice_token = path_of(link_in(mailoutbox[0])).split("/")[2]
    dana = User.objects.create_user(email="dana@example.org", password="x")
    client = signed_in(dana)

    # A token naming Bob's invitation, made without the server's key, is refused...
    forged = signing.dumps({"i": to_bob.pk, "n": "0" * 32}, salt=TOKEN_SALT, key="guessed")
    # ...and so is Alice's payload re-pointed at Bob's invitation.
    payload = signing.loads(alice_token, salt=TOKEN_SALT)
    repointed = signing.dumps({"i": to_bob.pk, "n": payload["n"]}, salt=TOKEN_SALT)
    for token in (forged, repointed, alice_token[:-3] + "abc"):
        response = client.post(f"/invitations/{token}/")
        assert response.status_code in {400, 410}
        assert not Membership.objects.filter(organization=bob.organization, user=dana).exists()
    assert client.post(f"/invitations/{forged}/").status_code == 400
    assert "not complete or was changed" in client.get(f"/invitations/{forged}/").content.decode()

    # Alice's real link joins Alice's organization, never Bob's.
    client.post(f"/invitations/{alice_token}/")
    assert Membership.objects.filter(organization=alice.organization, user=dana).exists()
    assert not Membership.objects.filter(organization=bob.organization, user=dana).exists()
    assert Invitation.objects.get(pk=to_bob.pk).status == InvitationStatus.PENDING


def test_inviting_a_member_again_is_refused_and_inviting_twice_resends(alice, bob, mailoutbox):
    response = signed_in(alice.user).post(
        "/settings/members/", {"email": "alice@example.org", "role": "member"}
    )
    assert response.status_code == 400
    assert "alice@example.org is already a member of Alice Org" in response.content.decode()

    first = invite(alice, "dana@example.org")
    second = invite(alice, "DANA@example.org", Role.ADMIN)
    assert second.pk == first.pk
    assert Invitation.objects.get().role == Role.ADMIN
    assert len(mailoutbox) == 2


def test_the_api_invites_lists_resends_and_withdraws(alice, charlie, bob, mailoutbox):
    client = alice.client()
    created = client.post(
        "/api/v1/invitations/", {"email": "dana@example.org", "role": "member"}, format="json"
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["email"], body["role"], body["status"], body["emailed"]) == (
        "dana@example.org", "member", "pending", True,
    )  # fmt: skip
    listed = client.get("/api/v1/members/").json()
    assert [i["email"] for i in listed["invitations"]] == ["dana@example.org"]
    assert [m["email"] for m in listed["members"]] == ["alice@example.org"]

    resent = client.post(f"/api/v1/invitations/{body['id']}/resend/")
    assert resent.status_code == 200
    assert len(mailoutbox) == 2
    assert link_in(mailoutbox[0]) != link_in(mailoutbox[1])

    # Bob's key cannot touch Alice's invitation: it does not exist for him.
    assert bob.client().delete(f"/api/v1/invitations/{body['id']}/").status_code == 404
    assert client.delete(f"/api/v1/invitations/{body['id']}/").status_code == 204
    assert Invitation.objects.get().status == InvitationStatus.REVOKED
    assert client.delete(f"/api/v1/invitations/{body['id']}/").status_code == 404


def test_a_member_cannot_invite_through_the_api(bob, charlie, mailoutbox):
    client = Client()
    client.force_login(charlie)
    response = client.post(
        "/api/v1/invitations/", {"email": "eve@example.org"}, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["error"] == "forbidden"
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_admins_cannot_invite_owners(alice, mailoutbox):
    invite(alice, "adam@example.org", Role.ADMIN)
    adam = User.objects.create_user(email="adam@example.org", password="x")
    client = signed_in(adam)
    client.post(path_of(link_in(mailoutbox[0])))
    response = client.post("/settings/members/", {"email": "boss@example.org", "role": "owner"})
    assert response.status_code == 403
    assert "Only owners can add other owners." in response.content.decode()
    assert not Invitation.objects.filter(email="boss@example.org").exists()
