"""Scheduled billing chores (django-q2 runs them; see migration 0002)."""

from __future__ import annotations

from django.utils import timezone

from billing.models import IdempotencyRecord


def purge_idempotency_records() -> int:
    """Delete idempotency keys past their 24 hours; returns how many went."""
    deleted, _ = IdempotencyRecord.objects.filter(expires_at__lte=timezone.now()).delete()
    return deleted
