"""Inbound callbacks from asynchronous upstream providers (e.g. AssemblyAI calling back
when a transcript is ready): ``POST /webhooks/providers/<provider>/<token>/``.

For an adapter author, the whole API is:

    from webhooks.callbacks import (
        CallbackReply, InboundCall, callback_url, register_callback_handler,
    )

    url = callback_url("assemblyai", job.pk)    # for the provider; None if no public URL

    def handle(call: InboundCall) -> CallbackReply | None:
        payload = call.json()                    # CallbackRejected(400) if not JSON
        ...                                      # call jobs.services (quickly: enqueue work)
        return None                              # None: answer the registration's reply

    register_callback_handler("assemblyai", handle)   # one line, e.g. in jobs/callbacks.py

What the mechanism guarantees before a handler runs:

* **per-job authentication**: the token in the URL is an HMAC (keyed from SECRET_KEY)
  over the provider, the job id and the time it was issued; a wrong, foreign or expired
  token (``HARK_CALLBACK_MAX_AGE_HOURS``) is answered 403 and nothing runs;
* **idempotency and replay protection**: each accepted call is recorded under a key (by
  default the SHA-256 of its body; an adapter may pass ``dedupe_key``, e.g. the provider's
  transcript id and status). A call whose key was seen is answered exactly as the first
  was, and the handler does not run again;
* **answered the way the provider expects**: the handler's ``CallbackReply`` (or the
  registration's default ``200 ok``) is stored and replayed to duplicates;
  ``CallbackRejected(message, status)`` answers that status and records nothing (so the
  provider's retry is processed); any other exception answers 500 and rolls back.

The handler runs inside the transaction that records the call, so its writes and the
record commit together. Modules named ``callbacks`` in any installed app are imported
at start-up (``WebhooksConfig.ready``), in web and worker processes alike.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils.crypto import salted_hmac

from webhooks.models import InboundCallback

PROVIDER_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_SALT = "hark.webhooks.callbacks"


@dataclass(frozen=True)
class InboundCall:
    provider: str
    job_id: uuid.UUID
    body: bytes
    headers: Mapping[str, str]  # case-insensitive on real requests
    query: Mapping[str, str]

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise CallbackRejected("The callback body is not JSON.") from None


@dataclass(frozen=True)
class CallbackReply:
    status: int = 200
    body: str = "ok"
    content_type: str = "text/plain; charset=utf-8"


class CallbackRejected(Exception):
    """Raised by a handler: answer ``status`` with ``message`` and record nothing."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class UnknownProvider(Exception):
    pass


class InvalidCallbackToken(Exception):
    pass


Handler = Callable[[InboundCall], CallbackReply | None]
DedupeKey = Callable[[InboundCall], str]


@dataclass(frozen=True)
class ProviderCallbacks:
    handler: Handler | str  # a callable, or its dotted path (imported on first call)
    dedupe_key: DedupeKey | None = None
    reply: CallbackReply = CallbackReply()

    def resolved_handler(self) -> Handler:
        if not isinstance(self.handler, str):
            return self.handler
        module_name, _, name = self.handler.rpartition(".")
        found: Handler = getattr(import_module(module_name), name)
        return found


CALLBACK_HANDLERS: dict[str, ProviderCallbacks] = {}


def register_callback_handler(
    provider: str,
    handler: Handler | str,
    *,
    dedupe_key: DedupeKey | None = None,
    reply: CallbackReply | None = None,
) -> None:
    """Route ``POST /webhooks/providers/<provider>/<token>/`` to ``handler``."""
    if not PROVIDER_NAME.match(provider):
        raise ValueError(f"Provider names are lowercase letters, digits, - and _: {provider!r}")
    CALLBACK_HANDLERS[provider] = ProviderCallbacks(handler, dedupe_key, reply or CallbackReply())


def _mac(provider: str, job_hex: str, issued: str, secret: str) -> str:
    value = f"{provider}|{job_hex}|{issued}"
    return salted_hmac(_SALT, value, secret=secret, algorithm="sha256").hexdigest()[:40]


def callback_token(provider: str, job_id: object, *, issued_at: float | None = None) -> str:
    job_hex = uuid.UUID(str(job_id)).hex
    issued = format(int(issued_at if issued_at is not None else time.time()), "x")
    return f"{job_hex}.{issued}.{_mac(provider, job_hex, issued, settings.SECRET_KEY)}"


def callback_path(provider: str, job_id: object) -> str:
    token = callback_token(provider, job_id)
    return reverse("provider-callback", kwargs={"provider": provider, "token": token})


def callback_url(provider: str, job_id: object) -> str | None:
    """The absolute URL to hand the provider, or None when this installation has no
    public address (HARK_PUBLIC_URL unset): poll the provider instead."""
    if not settings.HARK_PUBLIC_URL:
        return None
    return f"{settings.HARK_PUBLIC_URL}{callback_path(provider, job_id)}"


def callback_job_id(provider: str, token: str, *, now: float | None = None) -> uuid.UUID:
    """The job a token was issued for; InvalidCallbackToken when it is not genuine,
    belongs to another provider, or has expired."""
    job_hex, _, rest = token.partition(".")
    issued, _, mac = rest.partition(".")
    try:
        job_id = uuid.UUID(hex=job_hex)
        issued_at = int(issued, 16)
    except ValueError:
        raise InvalidCallbackToken() from None
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(hmac.compare_digest(mac, _mac(provider, job_id.hex, issued, k)) for k in keys):
        raise InvalidCallbackToken()
    age = (now if now is not None else time.time()) - issued_at
    if age > settings.HARK_CALLBACK_MAX_AGE_HOURS * 3600 or age < -300:
        raise InvalidCallbackToken()
    return job_id


def _stored_reply(record: InboundCallback) -> CallbackReply:
    return CallbackReply(record.reply_status, record.reply_body, record.reply_content_type)


def _replay(provider: str, job_id: uuid.UUID, key: str) -> CallbackReply | None:
    seen = InboundCallback.objects.filter(provider=provider, job_id=job_id, dedupe_key=key)
    record = seen.first()
    if record is None:
        return None
    seen.update(replays=F("replays") + 1)
    return _stored_reply(record)


def callback_receive(
    *,
    provider: str,
    token: str,
    body: bytes,
    headers: Mapping[str, str],
    query: Mapping[str, str],
) -> CallbackReply:
    """Authenticate, de-duplicate and dispatch one provider callback (see module doc).

    Raises UnknownProvider, InvalidCallbackToken; a handler's other exceptions pass.
    """
    registration = CALLBACK_HANDLERS.get(provider)
    if registration is None:
        raise UnknownProvider()
    job_id = callback_job_id(provider, token)
    call = InboundCall(provider, job_id, body, headers, query)
    try:
        key = (registration.dedupe_key or _body_key)(call)[:128]
    except CallbackRejected as exc:
        return CallbackReply(exc.status, exc.message)
    replayed = _replay(provider, job_id, key)
    if replayed is not None:
        return replayed
    try:
        with transaction.atomic():
            record = InboundCallback.objects.create(
                provider=provider,
                job_id=job_id,
                dedupe_key=key,
                body_excerpt=body[:4096].decode("utf-8", errors="replace"),
            )
            reply = registration.resolved_handler()(call) or registration.reply
            record.reply_status = reply.status
            record.reply_body = reply.body
            record.reply_content_type = reply.content_type
            record.save(update_fields=["reply_status", "reply_body", "reply_content_type"])
    except CallbackRejected as exc:
        return CallbackReply(exc.status, exc.message)
    except IntegrityError:
        # The same call arrived twice at once; the other one won and answered.
        replayed = _replay(provider, job_id, key)
        if replayed is None:
            raise
        return replayed
    return reply


def _body_key(call: InboundCall) -> str:
    return "sha256:" + hashlib.sha256(call.body).hexdigest()
