"""Invitations: an owner or admin invites an email address with a role; the invitee
opens the emailed link, signs up or signs in, and joins.

The link carries ``signing.dumps({"i": id, "n": nonce})``: Django's signature (keyed by
SECRET_KEY, salted for this use) means nobody can make a link for an invitation they
were not sent, and the nonce means only the latest email's link works (resending draws
a new one). The row decides the rest: a link works while the invitation is pending and
younger than HARK_INVITATION_DAYS, and accepting is a conditional update from pending,
so a link joins once.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.errors import InvalidInvitation, InvitationNotFound, InvitationUnusable
from accounts.models import Invitation, InvitationStatus, Membership, Organization, Role, User
from accounts.permissions import ActorLike, Capability, as_actor, require
from lib.email import email_send

TOKEN_SALT = "hark.accounts.invitation"  # noqa: S105 - a namespace, not a secret
ARTICLES: dict[str, str] = {Role.OWNER: "an", Role.ADMIN: "an", Role.MEMBER: "a"}


@dataclass(frozen=True)
class InvitationSent:
    invitation: Invitation
    # False when the mail server refused it; the invitation stands and can be resent.
    emailed: bool


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps({"i": invitation.pk, "n": invitation.nonce}, salt=TOKEN_SALT)


def invitation_path(invitation: Invitation) -> str:
    return reverse("invitation", args=[invitation_token(invitation)])


def invitation_expires_at(invitation: Invitation) -> datetime:
    return invitation.sent_at + timedelta(days=settings.HARK_INVITATION_DAYS)


def _actor_user(actor: ActorLike) -> User | None:
    resolved = as_actor(actor)
    if resolved.api_key is not None:
        return resolved.api_key.created_by
    return resolved.user


def _require_may_invite(actor: ActorLike, organization: Organization, role: str) -> None:
    require(actor, organization, Capability.MEMBERS_MANAGE)
    if role not in Role.values:
        raise InvalidInvitation(f"Unknown role '{role}'. Choose owner, admin or member.")
    if role == Role.OWNER:
        require(actor, organization, Capability.OWNERS_MANAGE)


def invitation_create(
    *,
    organization: Organization,
    actor: ActorLike,
    email: str,
    role: str = Role.MEMBER,
    base_url: str = "",
    now: datetime | None = None,
) -> InvitationSent:
    """Invite ``email`` to ``organization`` with ``role`` and email them the link.

    Inviting an address that already has a pending invitation sends it again with the
    new role (one open invitation per address). Only owners and admins may invite, and
    only owners may invite owners; someone already a member is refused."""
    _require_may_invite(actor, organization, role)
    email = User.objects.normalize_email(email).strip()
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise InvalidInvitation(f"{email} is already a member of {organization.name}.")
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .filter(organization=organization, email__iexact=email, status=InvitationStatus.PENDING)
            .first()
        )
        if invitation is None:
            invitation = Invitation(organization=organization, email=email)
        invitation.role = role
        invitation.nonce = secrets.token_hex(16)
        invitation.sent_at = now
        invitation.invited_by = _actor_user(actor)
        invitation.save()
    return InvitationSent(invitation, _email(invitation, base_url))


def invitation_resend(
    *,
    organization: Organization,
    actor: ActorLike,
    invitation_id: int,
    base_url: str = "",
    now: datetime | None = None,
) -> InvitationSent:
    """Email a pending invitation again with a fresh link (the old one stops working)
    that is good for another HARK_INVITATION_DAYS."""
    invitation = _pending(organization, invitation_id)
    _require_may_invite(actor, organization, invitation.role)
    invitation.nonce = secrets.token_hex(16)
    invitation.sent_at = now or timezone.now()
    invitation.save(update_fields=["nonce", "sent_at"])
    return InvitationSent(invitation, _email(invitation, base_url))


def invitation_revoke(
    *, organization: Organization, actor: ActorLike, invitation_id: int, now: datetime | None = None
) -> Invitation:
    """Withdraw a pending invitation: its link then shows that it was withdrawn."""
    require(actor, organization, Capability.MEMBERS_MANAGE)
    invitation = _pending(organization, invitation_id)
    revoked = Invitation.objects.filter(pk=invitation.pk, status=InvitationStatus.PENDING).update(
        status=InvitationStatus.REVOKED, finished_at=now or timezone.now()
    )
    if not revoked:
        raise InvitationNotFound()
    invitation.refresh_from_db()
    return invitation


def _pending(organization: Organization, invitation_id: int) -> Invitation:
    invitation = Invitation.objects.filter(
        organization=organization, pk=invitation_id, status=InvitationStatus.PENDING
    ).first()
    if invitation is None:
        raise InvitationNotFound()
    return invitation


def _email(invitation: Invitation, base_url: str) -> bool:
    inviter = invitation.invited_by
    inviter_name = (inviter.get_full_name() or inviter.email) if inviter else "Someone"
    path = invitation_path(invitation)
    sent = email_send(
        "invitation",
        to=[invitation.email],
        base_url=base_url,
        context={
            "inviter_name": inviter_name,
            "organization_name": invitation.organization.name,
            "role_label": invitation.get_role_display(),
            "role_article": ARTICLES.get(invitation.role, "a"),
            "email": invitation.email,
            "has_account": User.objects.filter(email__iexact=invitation.email).exists(),
            "expires_at": invitation_expires_at(invitation),
            "action_url": f"{base_url or settings.HARK_PUBLIC_URL}{path}",
            "action_label": f"Join {invitation.organization.name}",
        },
        fail_silently=True,
    )
    return sent > 0


def invitation_from_token(token: str, *, now: datetime | None = None) -> Invitation:
    """The pending invitation a link names; InvitationUnusable says why it cannot be
    used (the page shows that sentence)."""
    try:
        payload = signing.loads(token, salt=TOKEN_SALT)
        invitation_id, nonce = int(payload["i"]), str(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise InvitationUnusable(
            "broken",
            "This invitation link is not complete or was changed. Open the link from the "
            "email again, or ask for a new invitation.",
        ) from None
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        raise InvitationUnusable(
            "revoked", "This invitation no longer exists. Ask for a new one if you still need it."
        )
    name = invitation.organization.name
    if invitation.status == InvitationStatus.ACCEPTED:
        raise InvitationUnusable(
            "used", f"This invitation to {name} was already used. Sign in to open {name}."
        )
    if invitation.status == InvitationStatus.REVOKED:
        raise InvitationUnusable(
            "revoked",
            f"This invitation to {name} was withdrawn. Ask its owners or admins for a new one.",
        )
    if invitation.nonce != nonce:
        raise InvitationUnusable(
            "expired",
            f"A newer invitation to {name} was sent to {invitation.email}; use the link in "
            "the latest email.",
        )
    if (now or timezone.now()) >= invitation_expires_at(invitation):
        raise InvitationUnusable(
            "expired",
            f"This invitation to {name} expired on "
            f"{invitation_expires_at(invitation):%-d %B %Y}. Ask its owners or admins to "
            "send it again.",
        )
    return invitation


def invitation_matches(invitation: Invitation, user: User) -> bool:
    return invitation.email.lower() == user.email.lower()


def invitation_accept(*, token: str, user: User, now: datetime | None = None) -> Membership:
    """Join the organization the link invites to, with its role, as ``user``.

    The link is for one address: someone signed in as another is refused (they may have
    been forwarded the mail). A user who is already a member keeps their role."""
    now = now or timezone.now()
    invitation = invitation_from_token(token, now=now)
    if not invitation_matches(invitation, user):
        raise InvitationUnusable(
            "other_account",
            f"This invitation is for {invitation.email}, but you are signed in as "
            f"{user.email}. Sign out, then open the link again.",
        )
    with transaction.atomic():
        taken = Invitation.objects.filter(
            pk=invitation.pk, status=InvitationStatus.PENDING, nonce=invitation.nonce
        ).update(status=InvitationStatus.ACCEPTED, accepted_by=user, finished_at=now)
        if not taken:
            # Accepted (or revoked) by a request that won the race: say which.
            invitation_from_token(token, now=now)
            raise InvitationUnusable("used", "This invitation was already used.")
        membership, _ = Membership.objects.get_or_create(
            user=user, organization=invitation.organization, defaults={"role": invitation.role}
        )
    return membership
