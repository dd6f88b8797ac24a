"""Every throttled door answers 429 with Retry-After once a client address or a signed-in
user is over its rate, and leaves other addresses and users alone."""

import itertools
import json
import re
import types
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import NamedTuple

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import override_settings
from django.urls import reverse

from config.cache import redis_cache
from config.throttle import client_address, hit
from tests import factories as f
from tests.helpers import WebServers, database_url

pytestmark = pytest.mark.django_db
WINDOW_START = 1_800_000_000  # a whole number of minutes since the epoch
EN = {"accept-language": "en"}
WAIT = r"Too many attempts\. Please try again in {seconds} seconds \(at \d\d:\d\d:\d\d\)\."
NAMES = (f"nobody-{n}" for n in itertools.count())


@pytest.fixture(autouse=True)
def _empty_counters():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(params=["memory", "redis"])
def counters(request, settings):
    """The counters in each process's memory (the demo), and in Redis (production)."""
    if request.param == "redis":
        settings.CACHES = {"default": redis_cache(request.getfixturevalue("redis_server").url)}
    cache.clear()
    yield request.param
    cache.clear()


@pytest.fixture
def clock(monkeypatch):
    """The throttle's clock, 10 seconds into a minute; tests move it on by hand."""
    now = types.SimpleNamespace(value=WINDOW_START + 10)
    monkeypatch.setattr("config.throttle.time", types.SimpleNamespace(time=lambda: now.value))
    return now


@pytest.fixture
def instrument():
    return f.bookable()


class Door(NamedTuple):
    setting: str
    url: Callable
    api: bool  # answers JSON
    signed_in: bool  # only for signed-in users


DOORS = {
    "login": Door("THROTTLE_LOGIN", lambda i: reverse("login"), api=False, signed_in=False),
    "token": Door("THROTTLE_TOKEN", lambda i: reverse("api-token"), api=True, signed_in=False),
    "signup": Door("THROTTLE_SIGNUP", lambda i: reverse("signup"), api=False, signed_in=False),
    "password_reset": Door("THROTTLE_PASSWORD_RESET", lambda i: reverse("password_reset"), api=False, signed_in=False),
    "booking_page": Door("THROTTLE_BOOKING", lambda i: reverse("booking:book", args=[i.code]), False, True),
    "booking_api": Door("THROTTLE_BOOKING", lambda i: "/api/v1/reservations/", api=True, signed_in=True),
}
BODIES = {
    "login": {"username": "nobody", "password": "wrong"},
    "token": {"username": "nobody", "password": "wrong"},
    "signup": {"username": "someone"},
    "password_reset": {"email": "someone@example.com"},
    "booking_page": {"purpose": "XRD"},
    "booking_api": {"purpose": "XRD"},
}


def knock(api, door: str, instrument, address: str, user=None, **headers):
    api.logout()
    if user is not None:
        api.force_login(user)
    # Unknown names each time: the lockout of one name is another story (test_lockout.py).
    body = {**BODIES[door]}
    if "username" in body:
        body["username"] = next(NAMES)
    return api.post(DOORS[door].url(instrument), body, REMOTE_ADDR=address, headers={**EN, **headers})


def assert_throttled(response, door: str, seconds: int) -> None:
    assert response.status_code == 429
    assert response["Retry-After"] == str(seconds)
    if DOORS[door].api:
        body = response.json()
        assert list(body) == ["detail"]
        assert re.fullmatch(
            rf"Too many attempts\. Please try again in {seconds} seconds \(at \d\d:\d\d:\d\d\)\.", body["detail"]
        )
    else:
        assert "429.html" in [t.name for t in response.templates]
        text = response.content.decode()
        assert "Too many attempts" in text
        assert f"Please try again in {seconds} seconds" in text


def signed_in(door: str):
    return f.UserFactory() if DOORS[door].signed_in else None


@pytest.mark.parametrize("door", DOORS)
def test_an_address_over_the_rate_gets_429_and_another_address_does_not(api, counters, clock, instrument, door):
    with override_settings(**{DOORS[door].setting: "2/min"}):
        for _ in range(2):
            assert knock(api, door, instrument, "203.0.113.7", signed_in(door)).status_code != 429
        assert_throttled(knock(api, door, instrument, "203.0.113.7", signed_in(door)), door, 50)
        assert knock(api, door, instrument, "198.51.100.9", signed_in(door)).status_code != 429


@pytest.mark.parametrize("door", DOORS)
def test_a_signed_in_user_over_the_rate_gets_429_from_any_address_and_others_do_not(
    api, counters, clock, instrument, door
):
    user = f.UserFactory()
    with override_settings(**{DOORS[door].setting: "2/min"}):
        for address in ["203.0.113.1", "203.0.113.2"]:
            assert knock(api, door, instrument, address, user).status_code != 429
        assert_throttled(knock(api, door, instrument, "203.0.113.3", user), door, 50)
        assert knock(api, door, instrument, "203.0.113.4", f.UserFactory()).status_code != 429


def test_the_next_window_opens_the_door_again(api, counters, clock, instrument):
    with override_settings(THROTTLE_LOGIN="1/min"):
        assert knock(api, "login", instrument, "203.0.113.7").status_code == 200
        assert knock(api, "login", instrument, "203.0.113.7").status_code == 429
        clock.value = WINDOW_START + 60
        assert knock(api, "login", instrument, "203.0.113.7").status_code == 200


def test_a_window_in_redis_expires_by_itself(rf, settings, redis_server, clock):
    settings.CACHES = {"default": redis_cache(redis_server.url)}
    settings.THROTTLE_TOKEN = "2/min"
    cache.clear()
    request = rf.post("/", REMOTE_ADDR="203.0.113.7")
    assert [hit(request, "token") for _ in range(3)] == [None, None, 50]
    (key,) = cache._cache.get_client().keys("*throttle:token:addr:203.0.113.7*")
    assert 0 < cache._cache.get_client().ttl(key) <= 60


def test_reading_the_pages_is_not_counted(api, clock):
    with override_settings(THROTTLE_LOGIN="1/min", THROTTLE_SIGNUP="1/min"):
        for _ in range(3):
            assert api.get(reverse("login"), REMOTE_ADDR="203.0.113.7").status_code == 200
            assert api.get(reverse("signup"), REMOTE_ADDR="203.0.113.7").status_code == 200


def test_only_creating_reservations_is_throttled_in_the_api(api, clock):
    api.force_login(f.UserFactory())
    with override_settings(THROTTLE_BOOKING="1/min"):
        for _ in range(3):
            assert api.get("/api/v1/reservations/", REMOTE_ADDR="203.0.113.7").status_code == 200


def test_the_429_page_speaks_chinese_too(api, clock, instrument):
    with override_settings(THROTTLE_SIGNUP="1/min"):
        knock(api, "signup", instrument, "203.0.113.7")
        response = knock(api, "signup", instrument, "203.0.113.7", **{"accept-language": "zh-hans"})
    assert response.status_code == 429
    assert '<html lang="zh-hans"' in response.content.decode()


def test_forwarded_for_is_ignored_without_trusted_proxies(api, clock, instrument):
    with override_settings(THROTTLE_LOGIN="1/min", TRUSTED_PROXY_COUNT=0):
        knock(api, "login", instrument, "10.0.0.2", **{"x-forwarded-for": "203.0.113.1"})
        response = knock(api, "login", instrument, "10.0.0.2", **{"x-forwarded-for": "203.0.113.2"})
    assert response.status_code == 429


def test_behind_a_trusted_proxy_each_forwarded_client_counts_alone(api, clock, instrument):
    with override_settings(THROTTLE_LOGIN="1/min", TRUSTED_PROXY_COUNT=1):
        assert knock(api, "login", instrument, "10.0.0.2", **{"x-forwarded-for": "203.0.113.1"}).status_code == 200
        assert knock(api, "login", instrument, "10.0.0.2", **{"x-forwarded-for": "203.0.113.2"}).status_code == 200
        # A client's own X-Forwarded-For entry (the first) cannot make it someone else.
        spoofed = knock(api, "login", instrument, "10.0.0.2", **{"x-forwarded-for": "1.2.3.4, 203.0.113.1"})
    assert spoofed.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded", "address"),
    [
        (0, "203.0.113.1", "10.0.0.2"),
        (1, "", "10.0.0.2"),
        (1, "1.2.3.4, 203.0.113.1", "203.0.113.1"),
        (2, "1.2.3.4, 203.0.113.1, 10.0.0.1", "203.0.113.1"),
        (3, "203.0.113.1", "203.0.113.1"),
    ],
)
def test_client_address_counts_trusted_proxies_from_the_right(rf, settings, proxies, forwarded, address):
    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == address


def _token_status(url: str, n: int) -> tuple[int, str | None]:
    body = json.dumps({"username": f"nobody-{n}", "password": "wrong"}).encode()
    request = urllib.request.Request(f"{url}/api/v1/auth/token/", body, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, None
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Retry-After")


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_web_processes_count_together_in_redis(redis_server):
    # A day's window: the test cannot straddle two of them unless run at midnight UTC.
    with WebServers(
        2, database_url(connection.settings_dict), REDIS_URL=redis_server.url, THROTTLE_TOKEN="3/day"
    ) as servers:
        statuses = [_token_status(servers.urls[n % 2], n) for n in range(4)]
    assert [status for status, _ in statuses] == [400, 400, 400, 429]
    assert 0 < int(statuses[-1][1]) <= 86400
