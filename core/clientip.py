"""The client's address, as every rate limit and log line should see it.

Behind the reverse proxy the README prescribes, ``REMOTE_ADDR`` is the proxy.
The proxy's ``X-Forwarded-For`` is believed only when the request really
comes from one of ``TRUSTED_PROXIES`` and ``TRUSTED_PROXY_COUNT`` says how
many of our proxies appended to it; then the address our outermost proxy saw
is the ``TRUSTED_PROXY_COUNT``-th entry from the right. Anything a client
wrote into the header itself sits further left and is ignored, and a request
from any other peer is judged by its own address.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in spec if item.strip())


def _clean(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def is_trusted_proxy(address: str | None) -> bool:
    ip = _clean(address)
    if ip is None:
        return False
    parsed = ipaddress.ip_address(ip)
    return any(parsed in net for net in _networks(tuple(settings.TRUSTED_PROXIES)))


def client_ip(request) -> str:
    remote = _clean(request.META.get("REMOTE_ADDR")) or "0.0.0.0"
    count = settings.TRUSTED_PROXY_COUNT
    if count <= 0 or not is_trusted_proxy(remote):
        return remote
    hops = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < count:
        return remote
    return _clean(hops[-count]) or remote
