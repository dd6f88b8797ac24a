"""The cache keeps one Redis connection pool per process. Under ASGI every request has a
context of its own and with it a new cache object; without a shared pool each of them
opened a connection to Redis."""

import asyncio
import json

import pytest
import redis
from channels.testing import HttpCommunicator

from config.asgi import application
from config.cache import redis_cache

REQUESTS = 12


def _connections_received(url: str) -> int:
    return redis.Redis.from_url(url).info("stats")["total_connections_received"]


async def _sign_in_attempt(n: int) -> int:
    body = json.dumps({"username": f"nobody{n}", "password": "wrong"}).encode()
    headers = [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
               (b"content-length", str(len(body)).encode())]  # fmt: skip
    communicator = HttpCommunicator(application, "POST", "/api/v1/auth/token/", body=body, headers=headers)
    response = await communicator.get_response(timeout=30)
    await communicator.wait(30)
    return response["status"]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_requests_share_the_processs_redis_connections(settings, redis_server):
    settings.CACHES = {"default": redis_cache(redis_server.url)}  # as production's settings make it
    settings.THROTTLE_TOKEN = "1000/min"  # counted in the cache, never refused here
    asyncio.run(_sign_in_attempt(0))  # the pool's first connection
    before = _connections_received(redis_server.url)

    async def one_after_another():
        return [await _sign_in_attempt(n) for n in range(1, REQUESTS + 1)]

    statuses = asyncio.run(one_after_another())

    assert statuses == [400] * REQUESTS  # refused credentials, each counted by the throttle and the lockout
    assert _connections_received(redis_server.url) - before == 1  # ours, asking Redis
