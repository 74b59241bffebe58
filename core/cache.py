"""A Redis cache that degrades instead of failing.

Everything we keep in the cache can be lost: the frozen exam paper index is
rebuilt from the database, allauth's rate-limit history and the verification
page's counters start again. So when Redis is unreachable a request should go
on without the cache rather than answer 500: a read is a miss, a write is
dropped, and ``add`` reports success (allauth takes its rate-limit lock and
marks a TOTP code used with ``add``; "not added" would lock every sign-in out).
The price while Redis is down, logged at ERROR once per back-off period: no
sign-in rate limits and no TOTP replay check.

After a failure the backend does not try Redis again for ``RETRY_AFTER_SECONDS``
(OPTIONS ``retry_after``), so a Redis host that drops packets costs one socket
timeout per period, not one per cache call. Django's own ``RedisCache`` raises
on every connection error; settings switch ``CACHE_URL=redis://…`` to this class.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

#: What counts as "Redis is not there" (a wrong command or a full Redis still raises).
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, ConnectionError, TimeoutError)
RETRY_AFTER_SECONDS = 5.0
#: Connection and socket timeouts unless CACHE_URL's OPTIONS say otherwise (redis-py's default is none).
DEFAULT_SOCKET_TIMEOUT = 1.0


class ForgivingRedisCache(RedisCache):
    def __init__(self, server, params):
        params = dict(params)
        options = dict(params.get("OPTIONS") or {})
        self.retry_after = float(options.pop("retry_after", RETRY_AFTER_SECONDS))
        options.setdefault("socket_connect_timeout", DEFAULT_SOCKET_TIMEOUT)
        options.setdefault("socket_timeout", DEFAULT_SOCKET_TIMEOUT)
        params["OPTIONS"] = options
        super().__init__(server, params)
        self._down_until = 0.0

    def _call(self, operation: str, fallback, call):
        if time.monotonic() < self._down_until:
            return fallback
        try:
            return call()
        except UNAVAILABLE as exc:
            self._down_until = time.monotonic() + self.retry_after
            logger.error("cache unavailable, going on without it (%s): %s", operation, exc)
            return fallback

    def ping(self) -> bool:
        """Ask Redis itself, skipping the forgiveness: for the health check."""
        return bool(self._cache.get_client(write=True).ping())

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", True, lambda: super(ForgivingRedisCache, self).add(key, value, timeout, version))

    def get(self, key, default=None, version=None):
        return self._call("get", default, lambda: super(ForgivingRedisCache, self).get(key, default, version))

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", None, lambda: super(ForgivingRedisCache, self).set(key, value, timeout, version))

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, lambda: super(ForgivingRedisCache, self).touch(key, timeout, version))

    def delete(self, key, version=None):
        return self._call("delete", False, lambda: super(ForgivingRedisCache, self).delete(key, version))

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, lambda: super(ForgivingRedisCache, self).get_many(keys, version))

    def has_key(self, key, version=None):
        return self._call("has_key", False, lambda: super(ForgivingRedisCache, self).has_key(key, version))

    def incr(self, key, delta=1, version=None):
        return self._call("incr", delta, lambda: super(ForgivingRedisCache, self).incr(key, delta, version))

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call(
            "set_many", list(data), lambda: super(ForgivingRedisCache, self).set_many(data, timeout, version)
        )

    def delete_many(self, keys, version=None):
        return self._call("delete_many", None, lambda: super(ForgivingRedisCache, self).delete_many(keys, version))

    def clear(self):
        return self._call("clear", False, lambda: super(ForgivingRedisCache, self).clear())
