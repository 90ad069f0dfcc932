"""Create an API key for EMAIL (creating the user and organization if missing).

Prints only the key on stdout, so scripts can capture it: KEY=$(manage.py create_api_key …)
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from accounts.models import Organization
from accounts.selectors import memberships_for_user
from accounts.services import (
    api_key_create,
    default_organization_name,
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

    @transaction.atomic
    def handle(self, *args: Any, email: str, org: str | None, name: str, **options: Any) -> None:
        user, _ = user_get_or_create(email=email)
        memberships = memberships_for_user(user)
        organization: Organization | None = None
        if org:
            match = memberships.filter(organization__name=org).first()
            organization = match.organization if match else None
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
