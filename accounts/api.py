"""Members and invitations over the API: everyone reads, owners and admins invite,
resend and withdraw (a key acts with its creator's role)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from accounts.invitations import (
    InvitationSent,
    invitation_create,
    invitation_expires_at,
    invitation_resend,
    invitation_revoke,
)
from accounts.models import Invitation, Role
from accounts.permissions import DENIED, Capability
from accounts.selectors import invitations_pending, organization_members
from config.api import OrganizationApiView
from config.api_schema import AUTHENTICATION_FAILED, error_response, ok_response
from lib.email import site_url

INVITATION_EXAMPLE = {
    "id": 12,
    "email": "dana@example.org",
    "role": "member",
    "status": "pending",
    "invited_by": "alice@example.org",
    "sent_at": "2026-12-05T15:20:00Z",
    "expires_at": "2026-12-12T15:20:00Z",
    "emailed": True,
}
MEMBERS_EXAMPLE = {
    "members": [
        {"email": "alice@example.org", "role": "owner", "joined_at": "2026-11-02T09:00:00Z"}
    ],
    "invitations": [{k: v for k, v in INVITATION_EXAMPLE.items() if k != "emailed"}],
}
# The sentences accounts.permissions.require raises: managing invitations at all, and
# inviting (or re-sending an invitation to) an owner, which only owners may.
FORBIDDEN = error_response(
    "Not an owner or admin, or an admin inviting an owner",
    ("forbidden", DENIED[Capability.MEMBERS_MANAGE]),
    ("forbidden", DENIED[Capability.OWNERS_MANAGE]),
)
NOT_FOUND = error_response(
    "No pending invitation with that id in this organization",
    ("not_found", "No pending invitation with that id was found."),
)


class MemberOutput(serializers.Serializer[Any]):
    email = serializers.EmailField()
    role = serializers.CharField(help_text="owner, admin or member")
    joined_at = serializers.DateTimeField()


class InvitationOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    role = serializers.CharField(help_text="owner, admin or member")
    status = serializers.CharField(help_text="pending (the only ones listed here)")
    invited_by = serializers.EmailField(
        allow_null=True, help_text="Who sent it; null once their account is gone."
    )
    sent_at = serializers.DateTimeField(help_text="When the current link was sent.")
    expires_at = serializers.DateTimeField()


class InvitationSentOutput(InvitationOutput):
    emailed = serializers.BooleanField(
        help_text="False when the mail server refused the message; resend it later."
    )


class MembersOutput(serializers.Serializer[Any]):
    members = MemberOutput(many=True)
    invitations = InvitationOutput(many=True, help_text="Pending invitations.")


def invitation_output(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "role": invitation.role,
        "status": invitation.status,
        "invited_by": invitation.invited_by.email if invitation.invited_by else None,
        "sent_at": invitation.sent_at,
        "expires_at": invitation_expires_at(invitation),
    }


def sent_output(sent: InvitationSent) -> dict[str, Any]:
    return {**invitation_output(sent.invitation), "emailed": sent.emailed}


class MembersApi(OrganizationApiView):
    @extend_schema(
        summary="Members and pending invitations",
        responses={
            200: ok_response(MembersOutput, "Members and pending invitations",
                             members=MEMBERS_EXAMPLE),
            401: AUTHENTICATION_FAILED,
        },
    )  # fmt: skip
    def get(self, request: Request) -> Response:
        members = [
            {"email": m.user.email, "role": m.role, "joined_at": m.created_at}
            for m in organization_members(self.organization)
        ]
        invitations = [invitation_output(i) for i in invitations_pending(self.organization)]
        return Response({"members": members, "invitations": invitations})


class InvitationCreateApi(OrganizationApiView):
    scopes = {"POST": Capability.MEMBERS_MANAGE}

    class InvitationInput(serializers.Serializer[dict[str, Any]]):
        email = serializers.EmailField(help_text="Who to invite.")
        role = serializers.ChoiceField(
            choices=Role.values, default=Role.MEMBER,
            help_text="owner (owners only), admin or member.",
        )  # fmt: skip

    @extend_schema(
        summary="Invite someone (owners and admins)",
        description=(
            "Emails `email` a link that works once, for `HARK_INVITATION_DAYS` days (7 by "
            "default). Someone new signs up through it; someone with an account signs in "
            "and joins. Inviting an address with a pending invitation sends it again with "
            "the new role. `emailed` is false when the mail server refused the message; "
            "resend it later."
        ),
        request=InvitationInput,
        examples=[OpenApiExample(
            "invite a member", value={"email": "dana@example.org", "role": "member"},
            request_only=True,
        )],
        responses={
            201: ok_response(InvitationSentOutput, "Sent (or sent again with the new role)",
                             invitation_sent=INVITATION_EXAMPLE),
            400: error_response(
                "Already a member, or a bad address or role",
                ("invalid_request", "dana@example.org is already a member of Acme Research."),
                ("invalid_request", "email: Enter a valid email address."),
                ("invalid_request", 'role: "boss" is not a valid choice.'),
            ),
            401: AUTHENTICATION_FAILED,
            403: FORBIDDEN,
        },
    )  # fmt: skip
    def post(self, request: Request) -> Response:
        data = self.InvitationInput(data=request.data)
        data.is_valid(raise_exception=True)
        sent = invitation_create(
            organization=self.organization,
            actor=self.actor,
            email=data.validated_data["email"],
            role=data.validated_data["role"],
            base_url=site_url(request._request),
        )
        return Response(sent_output(sent), status=status.HTTP_201_CREATED)


class InvitationDetailApi(OrganizationApiView):
    scopes = {"DELETE": Capability.MEMBERS_MANAGE}

    @extend_schema(
        summary="Withdraw a pending invitation (owners and admins)",
        description="Its link stops working at once and shows that it was withdrawn.",
        responses={204: None, 401: AUTHENTICATION_FAILED, 403: FORBIDDEN, 404: NOT_FOUND},
    )
    def delete(self, request: Request, invitation_id: int) -> Response:
        invitation_revoke(
            organization=self.organization, actor=self.actor, invitation_id=invitation_id
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class InvitationResendApi(OrganizationApiView):
    scopes = {"POST": Capability.MEMBERS_MANAGE}

    @extend_schema(
        summary="Send a pending invitation again (owners and admins)",
        description="A fresh link, good for another `HARK_INVITATION_DAYS` days; the link "
        "in the earlier email stops working.",
        request=None,
        responses={
            200: ok_response(InvitationSentOutput, "Sent again with a fresh link",
                             invitation_sent_again=INVITATION_EXAMPLE),
            401: AUTHENTICATION_FAILED, 403: FORBIDDEN, 404: NOT_FOUND,
        },
    )  # fmt: skip
    def post(self, request: Request, invitation_id: int) -> Response:
        sent = invitation_resend(
            organization=self.organization,
            actor=self.actor,
            invitation_id=invitation_id,
            base_url=site_url(request._request),
        )
        return Response(sent_output(sent))
