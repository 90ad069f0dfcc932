"""Scheduled desk chores (django-q2 runs them; see migration 0002)."""

from __future__ import annotations

from review.services import release_abandoned_claims


def release_abandoned_review_claims() -> int:
    return release_abandoned_claims()
