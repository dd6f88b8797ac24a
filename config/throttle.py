"""Rate limits on the doors people can hammer: signing in, tokens, sign-up, password reset
and booking.

Each door has a rate in settings (THROTTLE_<DOOR> = "10/min") that holds twice: per
signed-in user and per client address. Counters live in the Django cache (Redis when
REDIS_URL is set, so that every web process counts together) in fixed windows: one key per
door, client and window, counted with INCR and given its expiry with EXPIRE NX in one
round trip to Redis (elsewhere created with `add` and counted with `incr`), all atomic, so
concurrent requests never lose a count. A fixed window lets a client spend its allowance at
the end of one window and again at the start of the next; the limit is a brake, not a quota.
"""

import datetime as dt
import logging
import math
import time
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import ngettext
from redis.exceptions import RedisError
from rest_framework import exceptions
from rest_framework.throttling import BaseThrottle

from config.env import parse_rate

log = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """REMOTE_ADDR, or behind TRUSTED_PROXY_COUNT reverse proxies the address the outermost
    of them saw. X-Forwarded-For is written by whoever sends the request: only the entries
    our own proxies appended can be believed, counted from the right."""
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if forwarded:
            return forwarded[-min(proxies, len(forwarded))]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _counts(keys: list[str], period: int) -> list[int]:
    """One more hit on each key. On Redis: INCR and EXPIRE NX for every key in one round
    trip (a key that expired in between starts again with its own expiry)."""
    backend = caches["default"]
    if not isinstance(backend, RedisCache):
        return [_count(key, period) for key in keys]
    with backend._cache.get_client(write=True).pipeline(transaction=False) as pipe:
        for key in keys:
            pipe.incr(name := backend.make_and_validate_key(key))
            pipe.expire(name, period, nx=True)
        return pipe.execute()[::2]


def _count(key: str, period: int) -> int:
    if cache.add(key, 1, timeout=period):
        return 1
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr: this request opens the window again
        cache.add(key, 1, timeout=period)
        return 1
    if count == 1:  # Redis made the key afresh (it expired after the check in incr): give it its expiry
        cache.touch(key, period)
    return count


def hit(request: HttpRequest, door: str) -> int | None:
    """Count one request at `door`; the seconds to wait when it is over the limit, else None."""
    limit, period = parse_rate(getattr(settings, f"THROTTLE_{door.upper()}"))
    now = time.time()
    window = int(now // period)
    clients = [f"addr:{client_address(request)}"]
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        clients.append(f"user:{user.pk}")
    # Every client is counted, even when the first is already over: a user switching
    # addresses still spends their own allowance.
    try:
        counts = _counts([f"throttle:{door}:{client}:{window}" for client in clients], period)
    except (RedisError, OSError):  # Redis away: let the request through rather than fail it
        log.warning("the throttle counters are unavailable; %s is not limited meanwhile", door, exc_info=True)
        return None
    if max(counts) <= limit:
        return None
    return max(1, math.ceil((window + 1) * period - now))


def wait_message(seconds: int) -> str:
    at = timezone.localtime(timezone.now() + dt.timedelta(seconds=seconds))
    return ngettext(
        "Too many attempts. Please try again in %(seconds)d second (at %(time)s).",
        "Too many attempts. Please try again in %(seconds)d seconds (at %(time)s).",
        seconds,
    ) % {"seconds": seconds, "time": f"{at:%H:%M:%S}"}


def too_many_requests(request: HttpRequest, seconds: int) -> HttpResponse:
    response = render(request, "429.html", {"message": wait_message(seconds), "seconds": seconds}, status=429)
    response["Retry-After"] = str(seconds)
    return response


def throttle_post(door: str) -> Callable:
    """A page view whose POSTs count against `door`; reading the page costs nothing."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.method == "POST":
                seconds = hit(request, door)
                if seconds is not None:
                    return too_many_requests(request, seconds)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


class DoorThrottle(BaseThrottle):
    """The same counters for the API: a view names its door in `throttle_door`. Over the
    limit, the answer is DRF's 429 with Retry-After and {"detail": ...} in our words."""

    def allow_request(self, request, view) -> bool:
        seconds = hit(request, view.throttle_door)
        if seconds is not None:
            raise throttled(seconds, wait_message(seconds))
        return True


def throttled(seconds: int, message: str) -> exceptions.Throttled:
    """DRF's 429 with Retry-After, and our message alone (DRF would append its own wait)."""
    error = exceptions.Throttled(detail=message)
    error.wait = seconds
    return error
