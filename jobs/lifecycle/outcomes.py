"""The one ladder from how work ended (an exception) to what happens to it next.

Jobs, chunks and translations all go through ``outcome_of``; each kind then applies the
outcome with its own transition (``job_fail``, ``chunk_retry_later``, ...).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from billing.services import InsufficientCredits
from jobs.engines.base import Deferred, ProviderError
from jobs.lifecycle.common import JobLost, out_of_attempts, retry_time
from jobs.media.probe import UnsupportedMedia

logger = logging.getLogger(__name__)

CRASH_MESSAGE = (
    "Something went wrong on our side while transcribing this file. "
    "You have not been charged; please try again."
)


@dataclass(frozen=True)
class Park:
    """A provider took the work and will call back: park it, free the worker."""

    deferred: Deferred


@dataclass(frozen=True)
class Lost:
    """The work was canceled or taken over meanwhile: drop the result, change nothing."""


@dataclass(frozen=True)
class RetryLater:
    """A transient failure with attempts left: back to the queue, not before ``retry_at``."""

    retry_at: datetime


@dataclass(frozen=True)
class Fail:
    """For good: fail it uncharged with ``message`` for the customer."""

    message: str


Outcome = Park | Lost | RetryLater | Fail


def outcome_of(
    exc: BaseException, *, tries: int, crash_message: str = CRASH_MESSAGE, what: str = "work"
) -> Outcome:
    """What to do with work whose ``tries``-th try raised ``exc``.

    Deferred → park; lost → nothing; media that cannot be decoded, a wallet that cannot
    pay, a provider's permanent refusal or the last transient failure → fail with the
    exception's sentence; another transient failure → retry on the growing schedule (or
    the upstream's Retry-After); anything unexpected → fail with ``crash_message``.
    """
    if isinstance(exc, Deferred):
        return Park(exc)
    if isinstance(exc, JobLost):
        logger.info("%s was canceled or taken over; stopping", what)
        return Lost()
    if isinstance(exc, UnsupportedMedia | InsufficientCredits):
        return Fail(exc.message)
    if isinstance(exc, ProviderError):
        if exc.permanent or out_of_attempts(tries):
            return Fail(exc.message)
        return RetryLater(retry_time(tries, exc.retry_after))
    logger.error("%s crashed", what, exc_info=exc)
    return Fail(crash_message)
