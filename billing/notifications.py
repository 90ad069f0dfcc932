"""Emails about money: the low-balance warning, sent once per crossing of the threshold."""

from __future__ import annotations

from decimal import Decimal

from billing.pricing import format_credits
from billing.stripe.packs import stripe_enabled
from lib.email import absolute_url, email_send, site_url

MANAGER_ROLE_NAMES = ("owner", "admin")


def _credits(amount: Decimal) -> tuple[str, str]:
    """The figure and the plural ending: "1 credit", "9 credits", "0.5 credits"."""
    text = format_credits(amount)
    return text, "" if text == "1" else "s"


def low_balance_notify(organization_id: int, available: Decimal, threshold: Decimal) -> int:
    """Tell the organization's owners and admins that credits are running low.

    Runs after the transaction that crossed the threshold commits; a mail server that
    is down is logged, never turned into a failed upload.
    """
    from accounts.models import Membership  # accounts imports billing; not the reverse

    memberships = Membership.objects.filter(
        organization_id=organization_id, role__in=MANAGER_ROLE_NAMES
    ).select_related("user", "organization")
    recipients = sorted({m.user.email for m in memberships if m.user.email})
    if not recipients:
        return 0
    figure, plural = _credits(available)
    threshold_figure, threshold_plural = _credits(threshold)
    can_top_up = stripe_enabled()
    return email_send(
        "low_balance",
        to=recipients,
        context={
            "organization_name": memberships[0].organization.name,
            "available": figure,
            "available_plural": plural,
            "threshold": f"{threshold_figure} credit{threshold_plural}",
            "can_top_up": can_top_up,
            # Without a public URL a worker has no address to link to; the text names
            # the page instead.
            "action_url": absolute_url("/wallet/") if can_top_up and site_url() else "",
            "action_label": "Buy credits",
        },
        fail_silently=True,
    )
