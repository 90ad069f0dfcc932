from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.models import User
from accounts.selectors import memberships_for_user


def organization(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not isinstance(user, User) or not user.is_authenticated:
        return {}
    membership = request.membership  # type: ignore[attr-defined]
    return {
        "current_membership": membership,
        "current_organization": membership.organization if membership else None,
        "all_memberships": memberships_for_user(user),
    }
