"""The one way to get "the current organization" for a request.

An API key belongs to exactly one organization. A browser session picks one of the
user's memberships (stored in the session, switchable), defaulting to the first.
"""

from __future__ import annotations

from django.http import HttpRequest

from accounts.models import Membership, Organization, User
from accounts.selectors import membership_for, memberships_for_user
from accounts.services import default_organization_name, organization_create

SESSION_KEY = "hark_organization_id"


def session_membership(request: HttpRequest) -> Membership | None:
    """The membership the signed-in user is acting through, creating a personal
    organization for users who have none (e.g. made with createsuperuser)."""
    user = request.user
    if not isinstance(user, User) or not user.is_authenticated:
        return None
    chosen = request.session.get(SESSION_KEY)
    membership = membership_for(user, int(chosen)) if chosen else None
    if membership is None:
        membership = memberships_for_user(user).first()
    if membership is None:
        organization_create(name=default_organization_name(user), owner=user)
        membership = memberships_for_user(user).first()
    return membership


def request_organization(request: HttpRequest, auth: object = None) -> Organization | None:
    # An API key, or another credential that names its organization (an order callback's
    # file token): its organization's rate limit applies.
    named = getattr(auth, "organization", None)
    if isinstance(named, Organization):
        return named
    membership = getattr(request, "membership", None)
    return membership.organization if isinstance(membership, Membership) else None


def switch_organization(request: HttpRequest, organization_id: int) -> bool:
    user = request.user
    if not isinstance(user, User) or membership_for(user, organization_id) is None:
        return False
    request.session[SESSION_KEY] = organization_id
    return True
