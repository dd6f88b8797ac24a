"""Typed readers for environment variables.

Each helper returns the default when the variable is unset or empty, and raises
ImproperlyConfigured naming the variable when a value is set but malformed, so a
typo in a deployment fails at start-up instead of misbehaving later.
"""

import os
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name, "").strip()
    return value or None


def env_str(name: str, default: str = "") -> str:
    return _raw(name) or default


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in TRUE_WORDS:
        return True
    if value.lower() in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name}={value!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off.")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name}={number} is below the minimum of {minimum}.")
    return number


def env_decimal(name: str, default: str) -> Decimal:
    value = _raw(name) or default
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise ImproperlyConfigured(f"{name}={value!r} is not a decimal number.") from None
    if not number.is_finite() or number < 0:
        raise ImproperlyConfigured(f"{name}={value!r} must be a finite number of at least 0.")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str, *, schemes: set[str]) -> str:
    """A URL whose scheme is one of `schemes`; "" when unset and no default."""
    value = _raw(name) or default
    if not value:
        return ""
    parts = urlsplit(value)
    if parts.scheme not in schemes or not (parts.hostname or parts.path):
        allowed = ", ".join(sorted(schemes))
        raise ImproperlyConfigured(f"{name}={value!r} is not a URL with a scheme of {allowed}.")
    return value


RATE_PERIODS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600,
                "d": 86400, "day": 86400}  # fmt: skip


def parse_rate(rate: str) -> tuple[int, int]:
    """ "10/min" → (10 requests, 60 seconds). The units are DRF's (s, m, h, d) and their words."""
    try:
        count, unit = rate.split("/")
        limit, period = int(count), RATE_PERIODS[unit.strip().lower()]
    except (ValueError, KeyError):
        raise ImproperlyConfigured(f"{rate!r} is not a rate like 10/min (units: s, min, hour, day).") from None
    if limit < 1:
        raise ImproperlyConfigured(f"{rate!r} allows nothing; the count must be at least 1.")
    return limit, period


def env_rate(name: str, default: str) -> str:
    """A rate like 10/min, checked at start-up."""
    value = _raw(name) or default
    try:
        parse_rate(value)
    except ImproperlyConfigured as error:
        raise ImproperlyConfigured(f"{name}: {error}") from None
    return value
