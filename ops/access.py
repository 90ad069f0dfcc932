"""Who may read ``/metrics``: a scraper with the bearer token, or one connecting from a
configured network. Business figures (credits, job counts) are not for the public."""

from __future__ import annotations

import hmac
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest


@dataclass(frozen=True)
class Refusal:
    status: int
    message: str


def metrics_refusal(request: HttpRequest) -> Refusal | None:
    """None when the request may read the metrics, else the status and a sentence."""
    token: str = settings.HARK_METRICS_TOKEN
    networks = settings.HARK_METRICS_ALLOWED_NETWORKS
    if not token and not networks:
        return Refusal(
            403,
            "Metrics are off: set HARK_METRICS_TOKEN (or HARK_METRICS_ALLOWED_NETWORKS) "
            "to let a scraper read them.",
        )
    if networks and _from_networks(request.META.get("REMOTE_ADDR", ""), networks):
        return None
    if not token:
        return Refusal(403, "Metrics are readable only from the configured networks.")
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return Refusal(401, "Send the metrics token: 'Authorization: Bearer <token>'.")
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        return Refusal(403, "That metrics token is not the configured one.")
    return None


def _from_networks(
    address: str, networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network]
) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    # An IPv4 client on a dual-stack socket shows as ::ffff:a.b.c.d.
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)
