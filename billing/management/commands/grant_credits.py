"""Add (or, with a negative amount, correct) credits through the ledger."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Organization
from billing.pricing import format_credits
from billing.selectors import wallet_for
from billing.services import InvalidAmount, credits_grant


def find_organization(target: str) -> Organization:
    """An email finds the user's first organization; anything else is an org name or id."""
    if "@" in target:
        organization = (
            Organization.objects.filter(memberships__user__email__iexact=target)
            .order_by("memberships__pk")
            .first()
        )
    else:
        by_name = Organization.objects.filter(name=target)
        if by_name.count() > 1:
            raise CommandError(f"Several organizations are named '{target}'; use the id.")
        organization = by_name.first()
        if organization is None and target.isdigit():
            organization = Organization.objects.filter(pk=int(target)).first()
    if organization is None:
        raise CommandError(f"No organization found for '{target}'.")
    return organization


class Command(BaseCommand):
    help = "Grant credits to an organization (by member email, name or id) through the ledger."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("target", metavar="EMAIL_OR_ORG")
        parser.add_argument("amount")
        parser.add_argument("--reason", required=True)

    def handle(self, *args: Any, target: str, amount: str, reason: str, **options: Any) -> None:
        try:
            value = Decimal(amount)
        except InvalidOperation:
            raise CommandError(f"'{amount}' is not a number.") from None
        organization = find_organization(target)
        try:
            credits_grant(organization=organization, amount=value, reason=reason)
        except InvalidAmount as exc:
            raise CommandError(exc.message) from None
        balance = wallet_for(organization).balance
        self.stdout.write(
            f"{organization.name}: {format_credits(value)} credits, balance now "
            f"{format_credits(balance)}."
        )
