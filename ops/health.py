"""What ``/health/`` reports: is this installation able to take and do work now?"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings

from ops.selectors import database_error, queue_stats, workers_seen


@dataclass
class HealthReport:
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(check["ok"] for check in self.checks.values())

    def as_dict(self) -> dict[str, Any]:
        return {"status": "ok" if self.ready else "unavailable", "checks": self.checks}


def health_report(*, now: datetime) -> HealthReport:
    """Database, queue age and workers seen lately, each with ``ok`` and a sentence when
    not. The queue and workers are read from the database, so without it they are unknown."""
    report = HealthReport()
    error = database_error()
    if error is not None:
        report.checks["database"] = {
            "ok": False,
            "message": f"The database is unreachable: {error}",
        }
        unknown = "Unknown: the database is unreachable."
        report.checks["queue"] = {"ok": False, "message": unknown}
        report.checks["workers"] = {"ok": False, "message": unknown}
        return report
    report.checks["database"] = {"ok": True}

    stats = queue_stats(now=now)
    if stats is None:
        report.checks["queue"] = {"ok": True, "message": "Not an ORM broker: not inspected."}
    else:
        limit = settings.HARK_HEALTH_QUEUE_AGE_SECONDS
        queue: dict[str, Any] = {
            "ok": not limit or stats.oldest_age_seconds <= limit,
            "depth": stats.depth,
            "oldest_age_seconds": round(stats.oldest_age_seconds, 1),
        }
        if not queue["ok"]:
            queue["message"] = (
                f"The oldest waiting task has waited {stats.oldest_age_seconds:.0f} s, "
                f"longer than {limit} s: the workers are not keeping up."
            )
        report.checks["queue"] = queue

    within = settings.HARK_HEALTH_WORKER_SECONDS
    seen = workers_seen(now=now, within_seconds=within)
    # A count, not host names: /health/ is open to whoever can reach it.
    workers: dict[str, Any] = {"ok": bool(seen), "seen": len(seen)}
    if not seen:
        workers["message"] = (
            f"No worker has been seen in the last {within} s: start one with "
            "'python manage.py qcluster'."
        )
    report.checks["workers"] = workers
    return report
