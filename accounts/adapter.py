from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest

from accounts.models import User
from accounts.services import default_organization_name, organization_create


class AccountAdapter(DefaultAccountAdapter):
    """Sign-up creates an organization owned by the new user, with its credit grant."""

    def save_user(self, request: HttpRequest, user: User, form: Any, commit: bool = True) -> User:
        user = super().save_user(request, user, form, commit=True)
        organization_create(name=default_organization_name(user), owner=user)
        return user
