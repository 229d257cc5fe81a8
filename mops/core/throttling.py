"""API rate limits counted atomically in Redis.

DRF's own throttles read a list of timestamps from the cache, append and write it back: ten
clients on one token read the same list at once and all get through. Here each request is
one Redis `INCR` on a per-window counter (a Lua script sets the expiry on the first hit in
the same atomic step), so N concurrent requests get N distinct counts and exactly `limit`
of them pass. Windows are fixed (`<scope>:<who>:<window number>`); `Retry-After` is the
time to the next window.

Rates come from `REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]` (`user`, `anon`), read on each
request so a settings change applies without a restart of the class.
"""

from __future__ import annotations

import time
from typing import Any

from django.core.cache import cache
from rest_framework.settings import api_settings
from rest_framework.throttling import BaseThrottle

_INCR_WITH_EXPIRY = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n
"""
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str | None) -> tuple[int, int] | None:
    """'1200/min' → (1200, 60); None means no limit."""
    if not rate:
        return None
    count, period = rate.split("/")
    return int(count), _PERIODS[period.strip()[0]]


def hit(key: str, *, period: int) -> int:
    """Count one request against `key` for `period` seconds; the count after it."""
    full_key = cache.make_and_validate_key(key)
    client = cache._cache.get_client(full_key, write=True)  # type: ignore[attr-defined]
    return int(client.eval(_INCR_WITH_EXPIRY, 1, full_key, period + 1))


class AtomicRateThrottle(BaseThrottle):
    """A fixed-window limit per caller, counted with one atomic Redis INCR per request."""

    scope = "user"

    def ident(self, request: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        # The stubs type the rates as numbers; DRF's are strings such as "100/min".
        parsed = parse_rate(api_settings.DEFAULT_THROTTLE_RATES.get(self.scope))  # type: ignore[arg-type]
        who = self.ident(request)
        if parsed is None or who is None:
            return True
        limit, period = parsed
        now = time.time()
        window = int(now // period)
        self._wait = (window + 1) * period - now
        count = hit(f"throttle:{self.scope}:{who}:{window}", period=period)
        return count <= limit

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


class UserRateThrottle(AtomicRateThrottle):
    """Authenticated callers (token or session), counted per user."""

    scope = "user"

    def ident(self, request: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return str(request.user.pk)
        return None


class AnonRateThrottle(AtomicRateThrottle):
    """Anonymous callers, counted per client address."""

    scope = "anon"

    def ident(self, request: Any) -> str | None:
        if request.user and request.user.is_authenticated:
            return None
        return self.get_ident(request)
