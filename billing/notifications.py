"""Emails about money: the low-balance warning, sent once per crossing of the threshold."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.conf import settings
from django.core.mail import send_mail

from billing.pricing import format_credits

logger = logging.getLogger(__name__)

MANAGER_ROLE_NAMES = ("owner", "admin")


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
    name = memberships[0].organization.name
    base = settings.HARK_PUBLIC_URL
    where = f"{base}/wallet/" if base else "the Wallet page"
    try:
        return send_mail(
            subject=f"Hark: {name} is running low on credits",
            message=(
                f"{name} has {format_credits(available)} credits available, below the "
                f"{format_credits(threshold)} credits at which we warn you.\n\n"
                f"New transcriptions are refused once credits run out. Top up on {where}.\n"
            ),
            from_email=None,
            recipient_list=recipients,
        )
    except Exception:
        logger.exception(
            "could not send the low-balance email for organization %s", organization_id
        )
        return 0
