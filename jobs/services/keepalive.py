"""Keeping a worker's lease alive while it waits on something that does not report.

Engines on our own CPUs call their progress callback every few seconds, and that renews
the lease. A request to an upstream blocks for as long as the upstream thinks, so a
thread renews the lease meanwhile; if renewing finds the job gone (canceled, taken
over) the worker learns it at the next progress report or when the request returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, connection

from jobs.engines.base import ProgressCallback
from jobs.lifecycle.common import JobLost

logger = logging.getLogger(__name__)

# Heartbeats renew the lease; more often than this would only add writes.
HEARTBEAT_INTERVAL_SECONDS = 2.0


class Throttled:
    """Calls ``callback(fraction)`` at most every ``interval`` seconds, and always at 1.0."""

    def __init__(
        self, callback: ProgressCallback, *, interval: float = HEARTBEAT_INTERVAL_SECONDS
    ) -> None:
        self._callback = callback
        self._interval = interval
        self._last = 0.0

    def __call__(self, fraction: float) -> None:
        if time.monotonic() - self._last >= self._interval or fraction >= 1:
            self._callback(fraction)
            self._last = time.monotonic()


class Guard:
    """What the renewing thread found; ``check`` raises it in the worker's own thread."""

    def __init__(self) -> None:
        self.error: BaseException | None = None

    def check(self) -> None:
        if self.error is not None:
            raise self.error

    def progress(self, callback: ProgressCallback) -> ProgressCallback:
        def report(fraction: float) -> None:
            self.check()
            try:
                callback(fraction)
            except DatabaseError:
                # The database went away (a restart, a failover) in the middle of the
                # work: the work goes on, and this renewal is skipped. The connection
                # is replaced for the next one and for recording the result; were the
                # database away for longer than the lease, the sweeper re-queues it.
                logger.warning("a progress report could not renew the lease", exc_info=True)
                connection.close_if_unusable_or_obsolete()

        return report


def renew_interval() -> float:
    return max(0.5, min(10.0, settings.HARK_JOB_LEASE_SECONDS / 3))


@contextmanager
def kept_alive(renew: Callable[[], None], *, enabled: bool = True) -> Iterator[Guard]:
    """Run ``renew`` every few seconds in a thread while the block runs."""
    guard = Guard()
    if not enabled:
        yield guard
        return
    stop = threading.Event()

    def run() -> None:
        try:
            while not stop.wait(renew_interval()):
                try:
                    renew()
                except JobLost as exc:
                    guard.error = exc
                    return
                except Exception:
                    # A busy database must not stop the work; the next renewal may pass.
                    logger.exception("renewing a lease failed")
                    # A connection cut (a database restart) is replaced for the next
                    # renewal rather than failing every one until the lease lapses.
                    connection.close_if_unusable_or_obsolete()
        finally:
            connection.close()  # this thread's own database connection

    thread = threading.Thread(target=run, name="lease-keeper", daemon=True)
    thread.start()
    try:
        yield guard
    finally:
        stop.set()
        thread.join(timeout=30)
