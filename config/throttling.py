"""The API's rate limit: one budget per organization, shared by every web process.

DRF's own throttles keep each key's request history (a timestamp per request) in the
cache and write it back on every request: with the database cache that is a write
transaction per API call, the largest single cost of a status poll (``bench/serving.py``).
Here a fixed window is counted instead, and each process counts in memory up to 1% of
the limit (and for at most ``SYNC_SECONDS``) before adding its count to the shared
counter, so the cache is written once per batch rather than once per request. Small
limits (under 100 per window) are counted in the cache at every request, exactly. At
worst the limit lets through 1% extra per web process, plus what two processes add at
the same instant (the database cache's increment is a read and a write, not atomic;
Redis's is).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.cache import cache
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from accounts.tenancy import request_organization

if TYPE_CHECKING:
    from rest_framework.views import APIView

# A process adds its count to the shared one at least this often.
SYNC_SECONDS = 0.5
# ...and whenever it has counted this share of the limit since.
BATCH_SHARE = 0.01


@dataclass
class _Window:
    number: int
    shared: int = 0  # the shared count when last read
    pending: int = 0  # counted here, not yet added to it
    synced_at: float = 0.0


class OrganizationRateThrottle(BaseThrottle):
    """One request budget per organization, however many keys or people share it."""

    _windows: dict[object, _Window] = {}
    _lock = threading.Lock()

    def __init__(self) -> None:
        self.retry_in: float | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        organization = request_organization(request._request, request.auth)
        if organization is None:
            return True
        # Read per request so the rate is a plain setting (HARK_API_RATE).
        limit, period = SimpleRateThrottle.parse_rate(None, settings.HARK_API_RATE)  # type: ignore[arg-type]
        if limit is None or period is None:
            return True
        now = time.time()
        number = int(now // period)
        batch = int(limit * BATCH_SHARE)
        with self._lock:
            window = self._windows.get(organization.pk)
            if window is None or window.number != number:
                window = self._windows[organization.pk] = _Window(number)
            # Counted first, so that with small limits (no batch) the shared counter
            # decides every request exactly; a refused request counts too, which makes
            # no difference in a fixed window.
            window.pending += 1
            full = window.shared + window.pending > limit
            if full or window.pending > batch or now - window.synced_at >= SYNC_SECONDS:
                self._sync(organization.pk, window, period, now)
            if window.shared + window.pending > limit:
                self.retry_in = (number + 1) * period - now
                return False
        return True

    @staticmethod
    def _sync(organization_id: object, window: _Window, period: int, now: float) -> None:
        """Add this process's count to the shared one and read the total back."""
        key = f"throttle:organization:{organization_id}:{window.number}"
        cache.add(key, 0, timeout=period + 5)
        try:
            window.shared = cache.incr(key, window.pending) if window.pending else cache.get(key, 0)
        except ValueError:  # expired between add and incr
            cache.set(key, window.pending, timeout=period + 5)
            window.shared = window.pending
        window.pending = 0
        window.synced_at = now

    def wait(self) -> float | None:
        return self.retry_in
