"""The page an invitation email links to: sign up or sign in, then join.

Someone without an account signs up from here; the sign-up then joins them to the
organization instead of making them a workspace of their own (accounts.adapter), because
the link's token waits in the session. Someone with an account signs in and presses Join.
"""

from __future__ import annotations

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from accounts.errors import InvitationUnusable
from accounts.invitations import (
    ARTICLES,
    invitation_accept,
    invitation_expires_at,
    invitation_from_token,
)
from accounts.models import Invitation, User
from accounts.tenancy import SESSION_KEY

INVITATION_SESSION_KEY = "hark_invitation_token"
PROBLEM_STATUS = {"broken": 400, "other_account": 403}


def _problem_page(request: HttpRequest, problem: InvitationUnusable) -> HttpResponse:
    return render(
        request,
        "accounts/invitation.html",
        {"problem": problem},
        status=PROBLEM_STATUS.get(problem.reason, 410),
    )


def _invitation_page(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    inviter = invitation.invited_by
    return render(
        request,
        "accounts/invitation.html",
        {
            "invitation": invitation,
            "inviter_name": (inviter.get_full_name() or inviter.email) if inviter else "Someone",
            "role_article": ARTICLES.get(invitation.role, "a"),
            "has_account": User.objects.filter(email__iexact=invitation.email).exists(),
            "expires_at": invitation_expires_at(invitation),
        },
    )


def invitation(request: HttpRequest, token: str) -> HttpResponse:
    try:
        found = invitation_from_token(token)
    except InvitationUnusable as problem:
        return _problem_page(request, problem)
    user = request.user
    if not isinstance(user, User):
        # Kept for the sign-up that may follow; the address is proven by the email, so
        # the sign-up form starts with it and does not ask to verify it again.
        request.session[INVITATION_SESSION_KEY] = token
        get_adapter(request).stash_verified_email(request, found.email)
        return _invitation_page(request, found)
    if found.email.lower() != user.email.lower():
        return _problem_page(
            request,
            InvitationUnusable(
                "other_account",
                f"This invitation is for {found.email}, but you are signed in as {user.email}. "
                "Sign out, then open the link again.",
            ),
        )
    if request.method != "POST":
        return _invitation_page(request, found)
    try:
        membership = invitation_accept(token=token, user=user)
    except InvitationUnusable as problem:
        return _problem_page(request, problem)
    joined(request, membership.organization.pk, membership.organization.name)
    return redirect("dashboard")


def joined(request: HttpRequest, organization_id: int, name: str) -> None:
    """Work in the organization just joined, and say so."""
    request.session[SESSION_KEY] = organization_id
    request.session.pop(INVITATION_SESSION_KEY, None)
    messages.success(request, f"Welcome to {name}. You are now working in it.")
