from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest

from accounts.errors import InvitationUnusable
from accounts.invitations import invitation_accept
from accounts.models import User
from accounts.pages.invitations import INVITATION_SESSION_KEY, joined
from accounts.services import default_organization_name, organization_create
from lib.email import email_send, site_url

# Set on the request by save_user: a sign-up already says welcome, not "signed in as".
_SIGNED_UP = "_hark_signed_up"

# allauth's emails we send in our own branded layout (lib.email), by allauth's name.
BRANDED_EMAILS = {"account/email/password_reset_key": "password_reset"}


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up creates an organization owned by the new user, with its credit grant —
    unless they came from an invitation to their address, which they join instead."""

    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=True)
        setattr(request, _SIGNED_UP, True)
        token = request.session.get(INVITATION_SESSION_KEY)
        if token:
            try:
                membership = invitation_accept(token=token, user=user)
            except InvitationUnusable as problem:
                # Signed up with another address, or the link expired meanwhile: they
                # get a workspace of their own and are told why they did not join.
                messages.warning(request, problem.message)
            else:
                joined(request, membership.organization.pk, membership.organization.name)
                return user
        organization = organization_create(name=default_organization_name(user), owner=user)
        messages.success(
            request,
            f"Welcome to Hark. {organization.name} is your organization: rename it and "
            "invite your team in Settings.",
        )
        return user

    def add_message(
        self,
        request: HttpRequest,
        level: int,
        message_template: str | None = None,
        message_context: dict[str, Any] | None = None,
        extra_tags: str = "",
        message: str | None = None,
    ) -> None:
        # A newcomer was just welcomed (to their own organization or the one that invited
        # them); "Successfully signed in as …" beneath that says nothing new.
        if getattr(request, _SIGNED_UP, False) and message_template == (
            "account/messages/logged_in.txt"
        ):
            return
        super().add_message(request, level, message_template, message_context, extra_tags, message)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        request = context.get("request") or getattr(self, "request", None)
        base_url = site_url(request)
        # allauth's own templates say "Hello from <site>": the configured name and
        # URL, never the host and port this process happens to listen on.
        site = SimpleNamespace(name=settings.HARK_SITE_NAME, domain=base_url)
        context = {**context, "current_site": site}
        public: str = settings.HARK_PUBLIC_URL
        if public and request is not None:
            # allauth builds its links (sign-up, reset) from the request's host.
            here = request.build_absolute_uri("/").rstrip("/")
            context = {
                key: f"{public}{value.removeprefix(here)}"
                if isinstance(value, str) and value.startswith(here + "/")
                else value
                for key, value in context.items()
            }
        branded = BRANDED_EMAILS.get(template_prefix)
        if branded is None:
            super().send_mail(template_prefix, email, context)
            return
        email_send(
            branded,
            to=[email],
            base_url=base_url,
            context={
                "email": email,
                "action_url": context["password_reset_url"],
                "action_label": "Choose a new password",
            },
        )
