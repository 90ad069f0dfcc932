"""django-q2 tasks: thin wrappers that call a service (scheduled in jobs migration 0010)."""

from __future__ import annotations

from jobs.organization_data.retention import retention_sweep


def expire_media() -> str:
    swept = retention_sweep()
    return f"{swept.media_deleted} media deleted, {swept.jobs_deleted} jobs deleted"
