"""One Redis connection pool per process for Django's cache.

Django keeps its cache objects per request context, and under ASGI every request runs in
a new context: each request built a new RedisCache, a new pool and a new TCP connection to
Redis, and left them to the garbage collector (django/django pull request 18459). That
cost a booking create 4% of its CPU in the web process, and Redis a connection per request.

`SharedConnectionPool` is redis-py's pool, made once per address and options in a
process and handed to every cache object that asks. redis-py's pool is thread-safe and
starts afresh in a forked child.
"""

import threading

import redis


def redis_cache(url: str) -> dict:
    """The CACHES entry of a Redis cache at `url`."""
    return {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": url,
        "OPTIONS": {"pool_class": f"{__name__}.SharedConnectionPool"},
    }


class SharedConnectionPool(redis.ConnectionPool):
    _pools: dict[tuple, "SharedConnectionPool"] = {}
    _lock = threading.Lock()

    @classmethod
    def from_url(cls, url: str, **kwargs):  # type: ignore[override]
        key = (url, tuple(sorted((name, repr(value)) for name, value in kwargs.items())))
        with cls._lock:
            pool = cls._pools.get(key)
            if pool is None:
                pool = cls._pools[key] = super().from_url(url, **kwargs)
        return pool
