"""A circuit breaker per provider, shared by every worker through the database.

After ``HARK_CIRCUIT_FAILURES`` transient failures in a row a provider is skipped for
``HARK_CIRCUIT_COOLDOWN_SECONDS``; then one call is let through (half-open): a success
closes the circuit, another failure opens it again at once. A provider answering 429
with a long ``Retry-After`` is skipped for as long as it asked.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from jobs.models import ProviderHealth


def breaker_open_until(provider: str) -> datetime | None:
    """When the provider's circuit closes again, or None when it is closed now."""
    row = (
        ProviderHealth.objects.filter(provider=provider, open_until__gt=timezone.now())
        .values_list("open_until", flat=True)
        .first()
    )
    return row


def breaker_failure(provider: str, *, message: str, retry_after: float | None = None) -> None:
    """Count a transient failure; open the circuit once there have been enough in a row."""
    ProviderHealth.objects.get_or_create(provider=provider)
    ProviderHealth.objects.filter(provider=provider).update(
        consecutive_failures=F("consecutive_failures") + 1, last_error=message[:1000]
    )
    failures = (
        ProviderHealth.objects.filter(provider=provider)
        .values_list("consecutive_failures", flat=True)
        .get()
    )
    now = timezone.now()
    until: datetime | None = None
    if failures >= settings.HARK_CIRCUIT_FAILURES:
        until = now + timedelta(seconds=settings.HARK_CIRCUIT_COOLDOWN_SECONDS)
    if retry_after is not None and retry_after > settings.HARK_MAX_RETRY_AFTER_SECONDS:
        asked = now + timedelta(seconds=retry_after)
        until = asked if until is None else max(until, asked)
    if until is not None:
        ProviderHealth.objects.filter(provider=provider).update(open_until=until)


def breaker_success(provider: str) -> None:
    ProviderHealth.objects.filter(provider=provider, consecutive_failures__gt=0).update(
        consecutive_failures=0, open_until=None
    )
    ProviderHealth.objects.filter(provider=provider, open_until__isnull=False).update(
        open_until=None
    )
