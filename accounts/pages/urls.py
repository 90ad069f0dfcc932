from __future__ import annotations

from django.urls import URLPattern, path

from accounts.pages import invitations, views

urlpatterns: list[URLPattern] = [
    path("settings/api-keys/", views.api_keys, name="api-keys"),
    path(
        "settings/api-keys/<int:key_id>/revoke/",
        views.api_key_revoke_view,
        name="api-key-revoke",
    ),
    path("settings/members/", views.members, name="members"),
    path("settings/members/<int:membership_id>/role/", views.member_role_view, name="member-role"),
    path(
        "settings/members/invitations/<int:invitation_id>/resend/",
        views.invitation_resend_view,
        name="invitation-resend",
    ),
    path(
        "settings/members/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke_view,
        name="invitation-revoke",
    ),
    path("invitations/<str:token>/", invitations.invitation, name="invitation"),
    path("organization/switch/", views.organization_switch, name="organization-switch"),
]
