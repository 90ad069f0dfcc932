"""Create an API key for EMAIL (creating the user and organization if missing).

With ``--org NAME --role ROLE``: when EMAIL is not yet a member of an organization named
NAME and one exists, they join it with ROLE (the key then acts with that role); when
none exists, it is created with them as its owner. An existing membership keeps its
role (change roles on the members page).

Prints only the key on stdout, so scripts can capture it: KEY=$(manage.py create_api_key …)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts.models import Organization, Role
from accounts.selectors import memberships_for_user
from accounts.services import (
    api_key_create,
    default_organization_name,
    membership_add,
    organization_create,
    user_get_or_create,
)


class Command(BaseCommand):
    help = "Create an API key for a user's organization and print it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email")
        parser.add_argument(
            "--org", help="Organization name (created if the user has none by that name)"
        )
        parser.add_argument("--name", default="CLI key", help="A label for the key")
        parser.add_argument(
            "--role",
            choices=Role.values,
            help="The user's role when they join an existing organization (default: member)",
        )

    @transaction.atomic
    def handle(
        self,
        *args: Any,
        email: str,
        org: str | None,
        name: str,
        role: str | None,
        **options: Any,
    ) -> None:
        user, _ = user_get_or_create(email=email)
        memberships = memberships_for_user(user)
        organization: Organization | None = None
        if org:
            match = memberships.filter(organization__name=org).first()
            organization = match.organization if match else None
            existing = Organization.objects.filter(name=org).order_by("pk").first()
            if organization is None and existing is not None:
                # The operator (actor None) adds the member, with the role asked for.
                membership_add(
                    organization=existing, actor=None, email=user.email, role=role or Role.MEMBER
                )
                organization = existing
            elif match is not None and role and match.role != role:
                self.stderr.write(
                    f"{user.email} is already {match.role} of {org}; the role is unchanged."
                )
        else:
            first = memberships.first()
            organization = first.organization if first else None
        if organization is None:
            organization = organization_create(
                name=org or default_organization_name(user), owner=user
            )
        # The operator at the server may issue a key for any member: checked as the
        # operator (created_by=None), then recorded as the user's.
        api_key, raw_key = api_key_create(organization=organization, name=name, created_by=None)
        api_key.created_by = user
        api_key.save(update_fields=["created_by"])
        self.stdout.write(raw_key)
