from __future__ import annotations

from django.urls import URLPattern, path

from accounts.api import InvitationCreateApi, InvitationDetailApi, InvitationResendApi, MembersApi

urlpatterns: list[URLPattern] = [
    path("members/", MembersApi.as_view(), name="api-members"),
    path("invitations/", InvitationCreateApi.as_view(), name="api-invitations"),
    path(
        "invitations/<int:invitation_id>/",
        InvitationDetailApi.as_view(),
        name="api-invitation",
    ),
    path(
        "invitations/<int:invitation_id>/resend/",
        InvitationResendApi.as_view(),
        name="api-invitation-resend",
    ),
]
