"""Making delivery attempts: claim, sign, send through the SSRF guard, record, retry.

Durability: a delivery row is the truth. Its first attempt is queued in the transaction
that created it; each retry is queued on the ORM broker as a row that stays invisible
until it is due (the broker hands out only rows whose ``lock`` has passed), so a retry
waits in the database, not in a worker's memory, and survives any restart. A worker
lost mid-attempt leaves a lapsed lease, which ``deliveries_recover`` (scheduled every
minute) finds and queues again. Claiming is a conditional UPDATE, so a task delivered
twice makes one attempt.
"""

from __future__ import annotations

import email.utils
import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.models import MANAGER_ROLES, Membership
from lib.email import absolute_url, email_send, site_url
from lib.outbound import OutboundRefused, OutboundUnresolvable, outbound_client, read_limited
from lib.queue import DELIVERIES_CLUSTER, backoff_seconds, enqueue_not_before
from webhooks.models import (
    Attempt,
    AttemptOutcome,
    Delivery,
    DeliveryStatus,
    Endpoint,
    SigningSecret,
)
from webhooks.signing import secret_generate, signed_headers

logger = logging.getLogger(__name__)

EXCERPT_BYTES = 2048
MAX_RETRY_AFTER_SECONDS = 24 * 3600


def max_attempts() -> int:
    return len(settings.HARK_WEBHOOK_RETRY_SCHEDULE) + 1


def delivery_enqueue(delivery_id: object, *, not_before: datetime | None = None) -> None:
    """Queue an attempt of the delivery (now, or once ``not_before`` has passed)."""
    # Another broker than the ORM's runs it at once; it finds nothing due, and the
    # sweeper queues it again once it is.
    enqueue_not_before(
        "webhooks.tasks.deliver",
        str(delivery_id),
        not_before=not_before,
        task_name=f"webhook {delivery_id}",
        save=False,
        # Their own queue and cluster: never behind transcription chunks.
        cluster=DELIVERIES_CLUSTER,
    )


@dataclass(frozen=True)
class Outcome:
    outcome: str
    status_code: int | None = None
    error: str = ""
    excerpt: str = ""
    retry_after: float | None = None
    duration_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.outcome == AttemptOutcome.SUCCESS


def retry_after_seconds(value: str | None, now: datetime) -> float | None:
    """Retry-After as seconds: a number, or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - now).total_seconds())


def retry_delay(attempt_number: int, retry_after: float | None = None) -> float:
    """Seconds before the attempt after ``attempt_number``: the schedule, ±20% so a
    receiver coming back is not hit by every waiting delivery at once, and never sooner
    than the receiver asked with Retry-After."""
    return backoff_seconds(
        settings.HARK_WEBHOOK_RETRY_SCHEDULE,
        attempt_number,
        retry_after=retry_after,
        max_retry_after=MAX_RETRY_AFTER_SECONDS,
    )


def _secrets(delivery: Delivery, now: datetime) -> list[str]:
    if delivery.endpoint is not None:
        return delivery.endpoint.signing_secrets(now)
    holder, _ = SigningSecret.objects.get_or_create(
        organization_id=delivery.organization_id, defaults={"secret": secret_generate()}
    )
    return holder.signing_secrets(now)


def _send(delivery: Delivery, secrets: list[str]) -> Outcome:
    """One POST through the guard, never following a redirect; what happened."""
    timeout = float(settings.HARK_WEBHOOK_TIMEOUT_SECONDS)
    body = delivery.payload.encode()
    headers = signed_headers(
        secrets=secrets,
        message_id=delivery.message_id,
        timestamp=int(time.time()),
        body=body,
        event_type=delivery.event_type,
    )
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with (
            outbound_client(timeout=timeout) as client,
            client.stream("POST", delivery.url, content=body, headers=headers) as response,
        ):
            raw, _ = read_limited(response, max_bytes=EXCERPT_BYTES, deadline=started + timeout)
            status = response.status_code
            excerpt = raw.decode("utf-8", errors="replace")
            if 200 <= status < 300:
                return Outcome(
                    AttemptOutcome.SUCCESS, status, excerpt=excerpt, duration_ms=elapsed()
                )
            error = f"The receiver answered {status}."
            if response.is_redirect:
                location = response.headers.get("location", "")
                error = (
                    f"The receiver answered {status} (to {location}); redirects are not followed."
                )
            return Outcome(
                AttemptOutcome.HTTP_ERROR,
                status,
                error,
                excerpt,
                retry_after_seconds(response.headers.get("retry-after"), timezone.now()),
                elapsed(),
            )
    except OutboundRefused as exc:
        return Outcome(AttemptOutcome.REFUSED, error=exc.message, duration_ms=elapsed())
    except OutboundUnresolvable as exc:
        return Outcome(AttemptOutcome.NETWORK_ERROR, error=exc.message, duration_ms=elapsed())
    except httpx.TimeoutException:
        return Outcome(
            AttemptOutcome.TIMEOUT,
            duration_ms=elapsed(),
            error=f"No complete answer within {timeout:g} s.",
        )
    except httpx.HTTPError as exc:
        return Outcome(
            AttemptOutcome.NETWORK_ERROR,
            error=f"Could not connect: {exc}"[:500],
            duration_ms=elapsed(),
        )


def _claim(delivery_id: str, now: datetime) -> Delivery | None:
    """Take the delivery for one attempt, or None (not due, finished, or someone else's).
    A delivery whose endpoint was disabled meanwhile is finished instead."""
    # Longer than any attempt can take (its timeout, plus a margin for recording it),
    # so a live attempt's lease never lapses.
    lease = now + timedelta(
        seconds=float(settings.HARK_WEBHOOK_TIMEOUT_SECONDS)
        + settings.HARK_WEBHOOK_RECOVER_AFTER_SECONDS
    )
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    with transaction.atomic():
        claimed = Delivery.objects.filter(
            free, pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        ).update(leased_until=lease, attempts_made=F("attempts_made") + 1)
        if not claimed:
            return None
        delivery = Delivery.objects.select_related("endpoint").get(pk=delivery_id)
        if delivery.endpoint is not None and not delivery.endpoint.enabled:
            Delivery.objects.filter(pk=delivery.pk).update(
                status=DeliveryStatus.FAILED,
                outcome="Not sent: the endpoint is disabled.",
                attempts_made=F("attempts_made") - 1,
                finished_at=now,
                leased_until=None,
                next_attempt_at=None,
            )
            return None
        Attempt.objects.create(delivery=delivery, number=delivery.attempts_made, started_at=now)
    return delivery


def _finish(
    delivery: Delivery, status: str, outcome: str, now: datetime, status_code: int | None = None
) -> bool:
    """Settle the delivery, if it is still this attempt's to settle."""
    return bool(
        Delivery.objects.filter(
            pk=delivery.pk, status=DeliveryStatus.PENDING, attempts_made=delivery.attempts_made
        ).update(
            status=status,
            outcome=outcome[:255],
            finished_at=now,
            leased_until=None,
            next_attempt_at=None,
            last_status_code=status_code,
        )
    )


def delivery_attempt(delivery_id: str) -> str | None:
    """Make the delivery's next attempt if it is due and nobody else is making it.

    Returns the attempt's outcome, or None when there was nothing to do.
    """
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return None
    result = _send(delivery, _secrets(delivery, now))
    _record(delivery, result)
    return result.outcome


@transaction.atomic
def _record(delivery: Delivery, result: Outcome) -> None:
    now = timezone.now()
    code = result.status_code
    Attempt.objects.filter(delivery=delivery, number=delivery.attempts_made).update(
        outcome=result.outcome,
        status_code=code,
        error=result.error[:500],
        response_excerpt=result.excerpt,
        duration_ms=result.duration_ms,
    )
    endpoint = delivery.endpoint
    if result.succeeded:
        outcome = f"Delivered: the receiver answered {code}."
        finished = _finish(delivery, DeliveryStatus.SUCCEEDED, outcome, now, code)
        if finished and endpoint is not None and endpoint.failed_deliveries_in_a_row:
            Endpoint.objects.filter(pk=endpoint.pk).update(failed_deliveries_in_a_row=0)
        return
    if code == 410:
        outcome = "The receiver answered 410 Gone: it wants no more webhooks."
        if _finish(delivery, DeliveryStatus.FAILED, outcome, now, code) and endpoint is not None:
            endpoint_disable(endpoint, reason="The receiver answered 410 Gone.")
        return
    if delivery.attempts_made >= max_attempts():
        _exhausted(delivery, now, code)
        return
    next_at = now + timedelta(seconds=retry_delay(delivery.attempts_made, result.retry_after))
    rescheduled = Delivery.objects.filter(
        pk=delivery.pk, status=DeliveryStatus.PENDING, attempts_made=delivery.attempts_made
    ).update(leased_until=None, next_attempt_at=next_at, last_status_code=code)
    if rescheduled:
        delivery_enqueue(delivery.pk, not_before=next_at)


def _exhausted(delivery: Delivery, now: datetime, status_code: int | None = None) -> None:
    outcome = f"All {delivery.attempts_made} attempts failed."
    if not _finish(delivery, DeliveryStatus.FAILED, outcome, now, status_code):
        return
    endpoint = delivery.endpoint
    if endpoint is None:
        return
    Endpoint.objects.filter(pk=endpoint.pk).update(
        failed_deliveries_in_a_row=F("failed_deliveries_in_a_row") + 1
    )
    failures = Endpoint.objects.values_list("failed_deliveries_in_a_row", flat=True).get(
        pk=endpoint.pk
    )
    if failures >= settings.HARK_WEBHOOK_DISABLE_AFTER:
        endpoint_disable(
            endpoint,
            reason=f"{failures} deliveries in a row failed after every attempt.",
        )


def endpoint_disable(endpoint: Endpoint, *, reason: str) -> bool:
    """Disable a failing endpoint, stop its pending deliveries and email the
    organization's owners and admins (once, when it actually changes)."""
    now = timezone.now()
    with transaction.atomic():
        changed = Endpoint.objects.filter(pk=endpoint.pk, enabled=True).update(
            enabled=False, disabled_reason=reason[:255], updated_at=now
        )
        if not changed:
            return False
        Delivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).filter(
            Q(leased_until__isnull=True) | Q(leased_until__lt=now)
        ).update(
            status=DeliveryStatus.FAILED,
            outcome="Not sent: the endpoint was disabled.",
            finished_at=now,
            next_attempt_at=None,
        )
        transaction.on_commit(lambda: _email_disabled(endpoint, reason))
    return True


def _email_disabled(endpoint: Endpoint, reason: str) -> None:
    memberships = Membership.objects.filter(
        organization_id=endpoint.organization_id, role__in=MANAGER_ROLES
    ).select_related("user", "organization")
    recipients = sorted({m.user.email for m in memberships if m.user.email})
    if not recipients:
        return
    email_send(
        "webhook_disabled",
        to=recipients,
        context={
            "organization_name": memberships[0].organization.name,
            "endpoint_url": endpoint.url,
            "reason": reason,
            "action_url": absolute_url(f"/webhooks/{endpoint.pk}/") if site_url() else "",
            "action_label": "Open the endpoint",
        },
        fail_silently=True,
    )


def deliveries_recover(now: datetime | None = None) -> int:
    """Queue again every delivery that is overdue and not being attempted: its task was
    lost, or its worker died mid-attempt (that attempt is marked interrupted).
    Returns how many were queued."""
    now = now or timezone.now()
    free = Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    overdue = Delivery.objects.filter(
        free,
        status=DeliveryStatus.PENDING,
        # A due delivery is left this long to its queued task before another is queued.
        next_attempt_at__lte=now - timedelta(seconds=settings.HARK_WEBHOOK_RECOVER_AFTER_SECONDS),
    ).select_related("endpoint")
    queued = 0
    for delivery in overdue:
        with transaction.atomic():
            Attempt.objects.filter(delivery=delivery, outcome=AttemptOutcome.IN_PROGRESS).update(
                outcome=AttemptOutcome.INTERRUPTED,
                error="The worker stopped during this attempt.",
            )
            lost_mid_attempt = delivery.leased_until is not None
            if lost_mid_attempt and delivery.attempts_made >= max_attempts():
                _exhausted(delivery, now, delivery.last_status_code)
                continue
            if Delivery.objects.filter(
                pk=delivery.pk, status=DeliveryStatus.PENDING, leased_until=delivery.leased_until
            ).update(leased_until=None):
                delivery_enqueue(delivery.pk)
                queued += 1
    return queued
