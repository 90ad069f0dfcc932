"""What staff see first on the admin index: jobs by state, failures today, the credits
held for work in progress and the latest top-ups. Reads across every organization, so
only the admin (staff) calls it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import Count, Sum

from billing.models import Hold, HoldStatus, TopUp
from jobs.models import JobStatus, TranscriptionJob

RECENT_TOPUPS = 5


@dataclass(frozen=True)
class StaffOverview:
    # Every status, in the state machine's order, with 0 where there are none.
    jobs_by_status: list[tuple[str, int]]
    failed_today: int
    active_holds: int
    held_credits: Decimal
    recent_topups: list[TopUp]


def staff_overview(*, now: datetime) -> StaffOverview:
    """Counts at ``now``; "today" is the UTC day ``now`` falls in."""
    counts = dict(TranscriptionJob.objects.values_list("status").annotate(n=Count("pk")).order_by())
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    holds = Hold.objects.filter(status=HoldStatus.ACTIVE).aggregate(n=Count("pk"), s=Sum("amount"))
    return StaffOverview(
        jobs_by_status=[(status.label, counts.get(status.value, 0)) for status in JobStatus],
        failed_today=TranscriptionJob.objects.filter(
            status=JobStatus.FAILED, finished_at__gte=midnight
        ).count(),
        active_holds=holds["n"],
        held_credits=holds["s"] or Decimal("0"),
        recent_topups=list(
            TopUp.objects.select_related("wallet__organization").order_by("-created_at")[
                :RECENT_TOPUPS
            ]
        ),
    )
