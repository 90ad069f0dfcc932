"""Usage: minutes and credits per day and per engine, read from the ledger.

Charges carry the engine (``product``) and the seconds billed, and refunds the engine
of the charge they return, so usage is exactly what was paid for, and survives the
deletion of the jobs themselves.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from billing.models import EntryKind, LedgerEntry

if TYPE_CHECKING:
    from accounts.models import Organization

DEFAULT_DAYS = 30
MAX_DAYS = 366


class InvalidPeriod(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class Usage:
    jobs: int = 0
    seconds: float = 0.0
    credits: Decimal = Decimal("0")

    def add(self, other: Usage) -> None:
        self.jobs += other.jobs
        self.seconds += other.seconds
        self.credits += other.credits

    @property
    def minutes(self) -> float:
        return round(self.seconds / 60, 2)

    def as_dict(self) -> dict[str, Any]:
        return {"jobs": self.jobs, "minutes": self.minutes, "credits": float(self.credits)}


@dataclass
class DayUsage:
    day: date
    total: Usage = field(default_factory=Usage)
    engines: dict[str, Usage] = field(default_factory=dict)


@dataclass
class UsageReport:
    start: date
    end: date
    total: Usage = field(default_factory=Usage)
    days: list[DayUsage] = field(default_factory=list)
    engines: dict[str, Usage] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.start.isoformat(),
            "to": self.end.isoformat(),
            "total": self.total.as_dict(),
            "engines": [{"engine": name, **u.as_dict()} for name, u in self.engines.items()],
            "days": [
                {
                    "date": d.day.isoformat(),
                    **d.total.as_dict(),
                    "engines": {name: u.as_dict() for name, u in d.engines.items()},
                }
                for d in self.days
            ],
        }


def usage_period(start_text: str | None, end_text: str | None) -> tuple[date, date]:
    """``from``/``to`` as YYYY-MM-DD, both inclusive; the last 30 days by default."""

    def parse(text: str | None, name: str) -> date | None:
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise InvalidPeriod(f"'{name}' must be a date like 2025-01-31, not '{text}'.") from None

    end = parse(end_text, "to") or timezone.now().date()
    start = parse(start_text, "from") or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidPeriod("'from' must not be after 'to'.")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidPeriod(f"Ask for at most {MAX_DAYS} days at a time.")
    return start, end


def usage_report(organization: Organization, start: date, end: date) -> UsageReport:
    """The organization's usage from ``start`` to ``end`` (inclusive, UTC days)."""
    since = datetime.combine(start, time.min, tzinfo=timezone.get_current_timezone())
    until = datetime.combine(end + timedelta(days=1), time.min, tzinfo=since.tzinfo)
    rows = (
        LedgerEntry.objects.filter(
            wallet__organization=organization,
            kind__in=(EntryKind.CHARGE, EntryKind.REFUND),
            created_at__gte=since,
            created_at__lt=until,
        )
        .annotate(day=TruncDate("created_at"))
        .values("day", "product")
        .annotate(
            jobs=Count("pk", filter=Q(kind=EntryKind.CHARGE)),
            seconds=Sum("seconds", filter=Q(kind=EntryKind.CHARGE)),
            paid=Sum("amount"),
        )
        .order_by("day", "product")
    )
    report = UsageReport(start, end)
    days: dict[date, DayUsage] = {}
    for row in rows:
        usage = Usage(row["jobs"], float(row["seconds"] or 0), -(row["paid"] or Decimal("0")))
        engine = row["product"] or "unknown"
        day = days.setdefault(row["day"], DayUsage(row["day"]))
        day.total.add(usage)
        day.engines.setdefault(engine, Usage()).add(usage)
        report.engines.setdefault(engine, Usage()).add(usage)
        report.total.add(usage)
    report.days = list(days.values())
    report.engines = dict(sorted(report.engines.items()))
    return report


def usage_csv(report: UsageReport) -> str:
    """One row per day and engine, for spreadsheets."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["date", "engine", "jobs", "minutes", "credits"])
    for day in report.days:
        for engine, usage in sorted(day.engines.items()):
            writer.writerow([day.day.isoformat(), engine, usage.jobs,
                             f"{usage.seconds / 60:.2f}", f"{usage.credits:.2f}"])  # fmt: skip
    return out.getvalue()
