"""Reads for accounts; every tenant query takes the organization first."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import ApiKey, Invitation, InvitationStatus, Membership, Organization, User


def memberships_for_user(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("organization").order_by("pk")


def membership_for(user: User, organization_id: int) -> Membership | None:
    return memberships_for_user(user).filter(organization_id=organization_id).first()


def organization_members(organization: Organization) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("created_at")
    )


def api_keys_for(organization: Organization) -> QuerySet[ApiKey]:
    return (
        ApiKey.objects.filter(organization=organization)
        .select_related("created_by")
        .order_by("-created_at")
    )


def invitations_pending(organization: Organization) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(organization=organization, status=InvitationStatus.PENDING)
        .select_related("invited_by")
        .order_by("-sent_at")
    )
