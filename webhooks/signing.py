"""Signing outbound webhooks two ways, so receivers written for either check work.

* Standard Webhooks (https://www.standardwebhooks.com): ``webhook-id``,
  ``webhook-timestamp`` and ``webhook-signature: v1,<base64 HMAC-SHA256>`` of
  ``"{id}.{timestamp}.{body}"``, keyed with the base64-decoded part of ``whsec_…``.
  While a rotated secret overlaps, the header carries one signature per secret,
  space-separated, as the specification allows.
* Gumzo-style: ``X-Hark-Signature: <hex HMAC-SHA256 of the body>``, keyed with the
  secret exactly as shown (``whsec_…`` as UTF-8), which is what such receivers compute.
  The same value goes as ``X-Gumzo-Signature`` too, the header Gumzo's documentation
  names, so a receiver written for Gumzo needs only its secret changed. During an
  overlap ``X-Hark-Signature-Previous`` carries the old secret's.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
USER_AGENT = "Hark-Webhooks/1.0"


def secret_generate() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def _standard_key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def standard_signature(secret: str, *, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(_standard_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def hark_signature(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signed_headers(
    *, secrets: Sequence[str], message_id: str, timestamp: int, body: bytes, event_type: str
) -> dict[str, str]:
    """Every header of one attempt; ``secrets`` lists the current secret first."""
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(
            standard_signature(s, message_id=message_id, timestamp=timestamp, body=body)
            for s in secrets
        ),
        "X-Hark-Event": event_type,
        "X-Hark-Signature": hark_signature(secrets[0], body),
    }
    headers["X-Gumzo-Signature"] = headers["X-Hark-Signature"]
    if len(secrets) > 1:
        headers["X-Hark-Signature-Previous"] = hark_signature(secrets[1], body)
    return headers
