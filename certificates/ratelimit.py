"""A small fixed-window rate limiter on the cache, for the public verification page.

Good enough against someone walking the code space from one address: with
≥80-bit codes a hit by guessing is already hopeless, the limit keeps the page
cheap to serve.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache

from core.clientip import client_ip


def hit(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one request; return ``True`` while the caller stays within ``limit`` per window."""
    bucket = int(time.time() // window_seconds)
    cache_key = f"rl:{scope}:{key}:{bucket}"
    if cache.add(cache_key, 1, timeout=window_seconds + 5):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds + 5)
        return True
    return count <= limit


def verify_allowed(request) -> bool:
    limit = getattr(settings, "CERTIFICATE_VERIFY_RATE", 30)
    return hit("verify", client_ip(request), limit=limit, window_seconds=60)
