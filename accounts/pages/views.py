"""Settings pages: API keys, members and their invitations, and switching organization."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.errors import (
    InvalidInvitation,
    InvalidMembership,
    InvitationNotFound,
    MemberNotFound,
)
from accounts.invitations import (
    InvitationSent,
    invitation_create,
    invitation_expires_at,
    invitation_resend,
    invitation_revoke,
)
from accounts.models import Role, User
from accounts.pages.base import org_render, page_membership, public_base_url
from accounts.pages.forms import ApiKeyCreateForm, MemberAddForm
from accounts.selectors import api_keys_for, invitations_pending, organization_members
from accounts.services import (
    PermissionDenied,
    api_key_create,
    api_key_revoke,
    membership_role_set,
)
from accounts.tenancy import session_membership, switch_organization

# Pages about one job would be a 404 in the organization just switched to.
JOB_PAGES = frozenset({"job-detail", "job-audio"})


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # login_required guarantees a signed-in user
    return user


def _api_keys_page(
    request: HttpRequest, form: ApiKeyCreateForm, *, status: int = 200
) -> HttpResponse:
    organization = page_membership(request).organization
    return org_render(
        request,
        "accounts/api_keys.html",
        {"keys": api_keys_for(organization), "form": form},
        status=status,
    )


@login_required
def api_keys(request: HttpRequest) -> HttpResponse:
    membership = page_membership(request)
    if request.method != "POST":
        return _api_keys_page(request, ApiKeyCreateForm())
    form = ApiKeyCreateForm(request.POST)
    if not form.is_valid():
        return _api_keys_page(request, form, status=400)
    try:
        api_key, raw_key = api_key_create(
            organization=membership.organization,
            name=form.cleaned_data["name"],
            created_by=_user(request),
        )
    except PermissionDenied as denied:
        messages.error(request, denied.message)
        return _api_keys_page(request, ApiKeyCreateForm(), status=403)
    # Rendered straight from the POST, never stored: the secret exists only in this page.
    response = org_render(
        request,
        "accounts/api_key_created.html",
        {"api_key": api_key, "raw_key": raw_key, "api_url": f"{public_base_url(request)}/api/v1"},
    )
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_key_revoke_view(request: HttpRequest, key_id: int) -> HttpResponse:
    membership = page_membership(request)
    try:
        revoked = api_key_revoke(
            organization=membership.organization, key_id=key_id, actor=_user(request)
        )
    except PermissionDenied as denied:
        messages.error(request, denied.message)
        return _api_keys_page(request, ApiKeyCreateForm(), status=403)
    if revoked:
        messages.success(request, "The key was revoked. Requests using it now get 401.")
    else:
        messages.error(request, "That key does not exist or was already revoked.")
    return redirect("api-keys")


def _members_page(request: HttpRequest, form: MemberAddForm, *, status: int = 200) -> HttpResponse:
    organization = page_membership(request).organization
    return org_render(
        request,
        "accounts/members.html",
        {
            "members": organization_members(organization),
            "invitations": [
                (invitation, invitation_expires_at(invitation))
                for invitation in invitations_pending(organization)
            ],
            "invitation_days": settings.HARK_INVITATION_DAYS,
            "form": form,
            "roles": Role.choices,
        },
        status=status,
    )


def _invitation_sent_message(request: HttpRequest, sent: InvitationSent, *, again: bool) -> None:
    invitation = sent.invitation
    if not sent.emailed:
        messages.warning(
            request,
            f"The invitation for {invitation.email} is saved, but the email could not be "
            "sent. Try “Resend” in a moment.",
        )
        return
    messages.success(
        request,
        f"{'Sent the invitation again' if again else 'Invitation sent'} to {invitation.email} "
        f"as {invitation.get_role_display().lower()}. The link in it works for "
        f"{settings.HARK_INVITATION_DAYS} days.",
    )


@login_required
def members(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _members_page(request, MemberAddForm())
    form = MemberAddForm(request.POST)
    if not form.is_valid():
        return _members_page(request, form, status=400)
    try:
        sent = invitation_create(
            organization=page_membership(request).organization,
            actor=_user(request),
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            base_url=public_base_url(request),
        )
    except PermissionDenied as exc:
        messages.error(request, exc.message)
        return _members_page(request, MemberAddForm(), status=403)
    except InvalidInvitation as invalid:
        form.add_error("email", invalid.message)
        return _members_page(request, form, status=400)
    _invitation_sent_message(request, sent, again=False)
    return redirect("members")


@login_required
@require_POST
def member_role_view(request: HttpRequest, membership_id: int) -> HttpResponse:
    try:
        membership = membership_role_set(
            organization=page_membership(request).organization,
            actor=_user(request),
            membership_id=membership_id,
            role=request.POST.get("role", ""),
        )
    except PermissionDenied as exc:
        messages.error(request, exc.message)
        return _members_page(request, MemberAddForm(), status=403)
    except (InvalidMembership, MemberNotFound) as refused:
        messages.error(request, refused.message)
        return redirect("members")
    messages.success(
        request, f"{membership.user.email} is now {membership.get_role_display().lower()}."
    )
    return redirect("members")


@login_required
@require_POST
def invitation_resend_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        sent = invitation_resend(
            organization=page_membership(request).organization,
            actor=_user(request),
            invitation_id=invitation_id,
            base_url=public_base_url(request),
        )
    except PermissionDenied as exc:
        messages.error(request, exc.message)
        return _members_page(request, MemberAddForm(), status=403)
    except InvitationNotFound as missing:
        messages.error(request, missing.message)
        return redirect("members")
    _invitation_sent_message(request, sent, again=True)
    return redirect("members")


@login_required
@require_POST
def invitation_revoke_view(request: HttpRequest, invitation_id: int) -> HttpResponse:
    try:
        revoked = invitation_revoke(
            organization=page_membership(request).organization,
            actor=_user(request),
            invitation_id=invitation_id,
        )
    except PermissionDenied as exc:
        messages.error(request, exc.message)
        return _members_page(request, MemberAddForm(), status=403)
    except InvitationNotFound as missing:
        messages.error(request, missing.message)
        return redirect("members")
    messages.success(
        request, f"The invitation for {revoked.email} was withdrawn; its link no longer works."
    )
    return redirect("members")


@login_required
@require_POST
def organization_switch(request: HttpRequest) -> HttpResponse:
    try:
        organization_id = int(request.POST.get("organization_id", ""))
    except ValueError:
        organization_id = 0
    if switch_organization(request, organization_id):
        membership = session_membership(request)
        name = membership.organization.name if membership else "that organization"
        messages.success(request, f"You are now working in {name}.")
    else:
        messages.error(request, "You are not a member of that organization.")
    return redirect(_switch_target(request))


def _switch_target(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    try:
        match = resolve(target.split("?", 1)[0])
    except Resolver404:
        return "/"
    return "/" if match.url_name in JOB_PAGES else target
