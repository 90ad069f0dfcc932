"""GoTranscript's callbacks: a ``multipart/form-data`` POST of the order's fields, which
succeeds only when the receiver answers ``ok``; otherwise tried again at a random
interval (``HARK_ORDER_CALLBACK_DELAY_RANGE``), up to ``MAX_ATTEMPTS`` in all.

Why not ``webhooks.delivery``: its deliveries are JSON and succeed on any 2xx, where
GoTranscript's clients answer ``ok`` and read form fields. What it has that fits is
shared: every URL passes the SSRF guard (``lib.outbound``, redirects never followed),
each attempt carries the organization's Standard Webhooks signature
(``webhooks.signing``), and each retry waits as an ORM-broker row (``lib.queue``).
Every attempt is a ``CallbackAttempt`` row, shown in the admin and on the API settings
page.
"""

from __future__ import annotations

import logging
import random
import time
from datetime import datetime, timedelta
from typing import Any

import httpx
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from urllib3 import encode_multipart_formdata

from accounts.models import Organization
from accounts.permissions import ActorLike, Capability, require
from lib.outbound import OutboundRefused, OutboundUnresolvable, outbound_client, read_limited
from lib.queue import enqueue_not_before
from orders.models import CallbackAttempt, CallbackStatus, Order, OrderCallback, OrderSettings
from orders.selectors import ApiLinks
from webhooks.services import message_id_new, organization_secret, webhook_url_check
from webhooks.signing import signed_headers

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
TIMEOUT_SECONDS = 10.0
EXCERPT_BYTES = 200
TEST_EVENT = "order.callback_test"


def callback_url_check(url: str) -> None:
    """The SSRF guard's verdict on a callback URL, as for webhook URLs (400 when refused)."""
    webhook_url_check(url)


def organization_callback_url(organization: Organization) -> str:
    url: str = (
        OrderSettings.objects.filter(organization=organization)
        .values_list("callback_url", flat=True)
        .first()
        or ""
    )
    return url


def callback_url_set(*, organization: Organization, url: str, actor: ActorLike) -> OrderSettings:
    """The organization's global callback URL (GoTranscript's API settings page)."""
    require(actor, organization, Capability.WEBHOOKS_MANAGE)
    url = url.strip()
    if url:
        callback_url_check(url)
    order_settings, _ = OrderSettings.objects.update_or_create(
        organization=organization, defaults={"callback_url": url}
    )
    return order_settings


def callback_create(
    *, organization: Organization, url: str, fields: dict[str, str], order: Order | None = None
) -> OrderCallback:
    """Record the callback and queue its first attempt once the transaction commits."""
    organization_secret(organization)  # the secret its signature is made with
    callback = OrderCallback.objects.create(
        organization=organization,
        order=order,
        url=url,
        fields=fields,
        message_id=message_id_new(),
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: _enqueue(callback.pk, None))
    return callback


def callback_test_send(
    *, organization: Organization, actor: ActorLike, api_base_url: str = ""
) -> OrderCallback:
    """GoTranscript's "send test response to your server", to the global callback URL,
    with a sample's URL that works as given or with ``&format=json`` appended (on
    ``api_base_url``, the host the page was served from, unless HARK_PUBLIC_URL is set)."""
    require(actor, organization, Capability.WEBHOOKS_MANAGE)
    url = organization_callback_url(organization)
    if not url:
        from jobs.errors import InvalidJobRequest

        raise InvalidJobRequest("Set a callback URL first; the test callback is sent to it.")
    sample = ApiLinks(base=api_base_url).url(
        "orders-test-file", {"mode": "test"}, order_type="transcriptions"
    )
    fields = {
        "mode": "test",
        "order_id": "0",
        "status": "finished",
        "language": "english",
        "transcription_url": sample,
    }
    return callback_create(organization=organization, url=url, fields=fields)


def _enqueue(callback_id: int, not_before: datetime | None) -> None:
    enqueue_not_before(
        "orders.tasks.callback_attempt",
        callback_id,
        not_before=not_before,
        task_name=f"order callback {callback_id}",
    )


def _post(callback: OrderCallback, secrets: list[str]) -> tuple[int | None, str, str]:
    """One POST through the guard: (status code, start of the answer, error)."""
    body, content_type = encode_multipart_formdata(
        {key: str(value) for key, value in callback.fields.items()}
    )
    headers = signed_headers(
        secrets=secrets,
        message_id=callback.message_id,
        timestamp=int(time.time()),
        body=body,
        event_type="order.callback",
    )
    headers["Content-Type"] = content_type
    started = time.monotonic()
    try:
        with (
            outbound_client(timeout=TIMEOUT_SECONDS) as client,
            client.stream("POST", callback.url, content=body, headers=headers) as response,
        ):
            raw, _ = read_limited(
                response, max_bytes=EXCERPT_BYTES, deadline=started + TIMEOUT_SECONDS
            )
            return response.status_code, raw.decode("utf-8", errors="replace"), ""
    except (OutboundRefused, OutboundUnresolvable) as exc:
        return None, "", exc.message
    except httpx.TimeoutException:
        return None, "", f"No complete answer within {TIMEOUT_SECONDS:g} s."
    except httpx.HTTPError as exc:
        return None, "", f"Could not connect: {exc}"[:500]


def _answered_ok(status_code: int | None, excerpt: str) -> bool:
    return status_code is not None and 200 <= status_code < 300 and excerpt.strip() == "ok"


def next_delay(rng: random.Random | None = None) -> float:
    low, high = settings.HARK_ORDER_CALLBACK_DELAY_RANGE
    return (rng or random).uniform(low, high)


def callback_attempt(
    callback_id: int, *, now: datetime | None = None, rng: random.Random | None = None
) -> bool | None:
    """Make the callback's next attempt if it is due: True when the receiver answered
    ``ok``, False when not, None when there was nothing to do (not due, finished, or
    another worker took it: the claim is a conditional update)."""
    now = now or timezone.now()
    callback = OrderCallback.objects.filter(pk=callback_id).first()
    if callback is None or callback.status != CallbackStatus.PENDING:
        return None
    if callback.next_attempt_at is None or callback.next_attempt_at > now:
        return None
    claimed = OrderCallback.objects.filter(
        pk=callback.pk, status=CallbackStatus.PENDING, attempts=callback.attempts
    ).update(attempts=F("attempts") + 1, next_attempt_at=None)
    if not claimed:
        return None
    number = callback.attempts + 1
    status_code, excerpt, error = _post(callback, _secrets(callback, now))
    succeeded = _answered_ok(status_code, excerpt)
    if not succeeded and not error:
        error = f"The receiver answered {status_code} {excerpt.strip()[:60]!r}, not 'ok'."
    with transaction.atomic():
        CallbackAttempt.objects.create(
            callback=callback, number=number, at=now, status_code=status_code,
            response_excerpt=excerpt[:EXCERPT_BYTES], error=error[:500], succeeded=succeeded,
        )  # fmt: skip
        update: dict[str, Any]
        if succeeded:
            update = {"status": CallbackStatus.SUCCEEDED}
        elif number >= MAX_ATTEMPTS:
            update = {"status": CallbackStatus.FAILED}
        else:
            due = now + timedelta(seconds=next_delay(rng))
            update = {"next_attempt_at": due}
            transaction.on_commit(lambda: _enqueue(callback.pk, due))
        OrderCallback.objects.filter(pk=callback.pk).update(**update)
    return succeeded


def _secrets(callback: OrderCallback, now: datetime) -> list[str]:
    return organization_secret(callback.organization).signing_secrets(now)


def callbacks_recover(now: datetime | None = None) -> int:
    """Queue again the pending callbacks overdue by a minute (a worker lost mid-way, or a
    broker that ran a delayed task at once); scheduled like webhooks' sweeper."""
    now = now or timezone.now()
    overdue = OrderCallback.objects.filter(
        status=CallbackStatus.PENDING, next_attempt_at__lt=now - timedelta(seconds=60)
    ).values_list("pk", flat=True)
    ids = list(overdue[:500])
    for callback_id in ids:
        _enqueue(callback_id, None)
    return len(ids)
