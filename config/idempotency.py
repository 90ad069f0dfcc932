"""``Idempotency-Key`` for API POSTs that create jobs or move money.

One mechanism for every such view (``IdempotentPostMixin``), with Stripe's semantics,
per organization: the first request with a key runs and its response is stored; the
same key with the same request replays that response (``Idempotent-Replayed: true``)
without running the view again; the same key with a different request is 422; while
the first is still running, the key is 409. Keys expire after
``HARK_IDEMPOTENCY_TTL_HOURS`` (24). Records live in ``billing.IdempotencyRecord``.

A request is "the same" when its method, path, query and parsed body match, files by
name and content, so a client library that picks a new multipart boundary on each try
still matches. Server errors (500, 502, 503) roll their work back, so they are not
stored: the key is released and the client may simply retry with it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Organization
from billing.models import IdempotencyRecord
from config.uploads import CappedUploadMixin

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
NOT_STORED = frozenset({500, 502, 503})
# Headers that are part of the answer, replayed with the body.
REPLAYED_HEADERS = ("Content-Type", "Content-Disposition", "Location", "X-Hark-Engine",
                    "X-Hark-Job-Id")  # fmt: skip
_CLAIM_ATTRIBUTE = "_idempotency_claim"


class IdempotencyError(Exception):
    status = 409
    code = "conflict"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class IdempotencyConflict(IdempotencyError):
    def __init__(self) -> None:
        super().__init__(
            "A request with this Idempotency-Key is still being processed. "
            "Wait for it to finish, then retry to receive its response."
        )


class IdempotencyKeyReused(IdempotencyError):
    status = 422
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__(
            "This Idempotency-Key was already used for a different request. "
            "Use a new key for a new request."
        )


class InvalidIdempotencyKey(IdempotencyError):
    status = 400
    code = "invalid_request"


class _Replay(Exception):
    def __init__(self, response: HttpResponse) -> None:
        super().__init__("replay")
        self.response = response


@dataclass
class _Claim:
    record_id: int
    settled: bool = False


def request_fingerprint(method: str, full_path: str, data: Any) -> str:
    digest = hashlib.sha256(f"{method} {full_path}\n".encode())
    items = data.lists() if hasattr(data, "lists") else (data or {}).items()
    for name, values in sorted(items, key=lambda item: str(item[0])):
        for value in values if isinstance(values, list) else [values]:
            digest.update(f"\n{name}=".encode())
            if isinstance(value, UploadedFile):
                digest.update(f"file:{value.name}:{value.size}:".encode())
                for chunk in value.chunks():
                    digest.update(chunk)
                value.seek(0)
            else:
                digest.update(json.dumps(value, sort_keys=True, default=str).encode())
    return digest.hexdigest()


def idempotency_claim(
    *, organization: Organization, key: str, fingerprint: str, path: str
) -> tuple[IdempotencyRecord, bool]:
    """Claim ``key`` for a new request (``(record, True)``) or return the finished record
    to replay (``(record, False)``); raises IdempotencyKeyReused or IdempotencyConflict.

    The claim is an INSERT against a unique (organization, key) committed on its own, so
    of two simultaneous requests exactly one gets it, on PostgreSQL and SQLite alike.
    """
    now = timezone.now()
    expires_at = now + timedelta(hours=settings.HARK_IDEMPOTENCY_TTL_HOURS)
    for _attempt in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyRecord.objects.create(
                    organization=organization, key=key, fingerprint=fingerprint,
                    path=path[:255], created_at=now, expires_at=expires_at,
                )  # fmt: skip
            return record, True
        except IntegrityError:
            existing = IdempotencyRecord.objects.filter(organization=organization, key=key).first()
        if existing is None:
            continue
        if existing.expires_at <= now:
            IdempotencyRecord.objects.filter(pk=existing.pk, expires_at__lte=now).delete()
            continue
        if existing.fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        if existing.in_flight:
            raise IdempotencyConflict()
        return existing, False
    raise IdempotencyConflict()


def replay_response(record: IdempotencyRecord) -> HttpResponse:
    headers = dict(record.response_headers)
    response = HttpResponse(bytes(record.response_body), status=record.status_code or 200,
                            content_type=headers.pop("Content-Type", None))  # fmt: skip
    for name, value in headers.items():
        response[name] = value
    response["Idempotent-Replayed"] = "true"
    return response


def _stored_body(response: HttpResponseBase) -> tuple[HttpResponseBase, bytes]:
    if isinstance(response, Response):
        response.render()
        return response, response.content
    if isinstance(response, StreamingHttpResponse):
        # Our streams are built from finished results; keep the bytes and send them as one.
        body = b"".join(response.streaming_content)  # type: ignore[arg-type]
        plain = HttpResponse(body, status=response.status_code)
        for name, value in response.items():
            plain[name] = value
        return plain, body
    if isinstance(response, HttpResponse):
        return response, response.content
    return response, b""


class IdempotentPostMixin(APIView):
    """Honour ``Idempotency-Key`` on this API view's POST (see the module docstring).

    Put it first among the bases of an ``OrganizationApiView``: the key is claimed after
    authentication, permissions and throttling, and once the body has been read (under
    the upload cap, for upload views).
    """

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        key = request.headers.get(HEADER)
        if request.method != "POST" or key is None:
            return
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable() or not key.isascii():
            raise InvalidIdempotencyKey(
                f"The Idempotency-Key header must be 1 to {MAX_KEY_LENGTH} printable ASCII "
                "characters; a random UUID is a good key."
            )
        data = self.uploaded_data(request) if isinstance(self, CappedUploadMixin) else request.data
        organization: Organization = request.organization  # type: ignore[attr-defined]
        fingerprint = request_fingerprint("POST", request.get_full_path(), data)
        record, claimed = idempotency_claim(organization=organization, key=key,
                                            fingerprint=fingerprint, path=request.path)  # fmt: skip
        if not claimed:
            raise _Replay(replay_response(record))
        setattr(request._request, _CLAIM_ATTRIBUTE, _Claim(record.pk))

    # DRF passes any HttpResponse through handle_exception and finalize_response; its
    # stubs say Response, hence the casts.
    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, _Replay):
            return cast(Response, exc.response)
        return super().handle_exception(exc)

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        claim: _Claim | None = getattr(request._request, _CLAIM_ATTRIBUTE, None)
        if claim is None or claim.settled:
            return response
        claim.settled = True
        if response.status_code in NOT_STORED:
            IdempotencyRecord.objects.filter(pk=claim.record_id).delete()
            return response
        stored, body = _stored_body(response)
        headers = {name: stored[name] for name in REPLAYED_HEADERS if stored.has_header(name)}
        IdempotencyRecord.objects.filter(pk=claim.record_id).update(
            status_code=stored.status_code, response_body=body, response_headers=headers
        )
        return cast(Response, stored)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        try:
            return super().dispatch(request, *args, **kwargs)
        finally:
            # Anything that escaped DRF's handling rolled back: free the key for a retry.
            claim: _Claim | None = getattr(request, _CLAIM_ATTRIBUTE, None)
            if claim is not None and not claim.settled:
                IdempotencyRecord.objects.filter(pk=claim.record_id).delete()
