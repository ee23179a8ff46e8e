"""Strict readers for settings taken from the environment.

A value that is present but malformed stops start-up with a message naming the
variable; it never falls back to a default silently.
"""

import os
import zoneinfo
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return None
    return value.strip()


def env_str(name: str, default: str | None = None) -> str | None:
    value = _raw(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    if value.lower() in _TRUE:
        return True
    if value.lower() in _FALSE:
        return False
    raise ImproperlyConfigured(
        f"{name} must be one of true/false/1/0/yes/no/on/off, not {value!r}."
    )


def env_int(name: str, default: int, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}.") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {number}.")
    return number


def env_timezone(name: str, default: str) -> str:
    """An IANA time zone name such as America/New_York."""
    value = _raw(name) or default
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be an IANA time zone such as America/New_York, not {value!r}."
        ) from None
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return list(default)
    return [item.strip() for item in value.split(",") if item.strip()]


def env_url(name: str, default: str | None = None, schemes: tuple[str, ...] = ()) -> str | None:
    value = _raw(name)
    if value is None:
        return default
    parts = urlsplit(value)
    if not parts.scheme or (schemes and parts.scheme not in schemes):
        allowed = ", ".join(schemes) or "any scheme"
        raise ImproperlyConfigured(f"{name} must be a URL ({allowed}), not {value!r}.")
    return value


def env_url_list(name: str, schemes: tuple[str, ...] = ()) -> list[str]:
    """Comma-separated URLs, each checked as env_url checks one. An empty
    entry (two commas in a row, a trailing comma) is an error, not skipped."""
    value = _raw(name)
    if value is None:
        return []
    urls = []
    allowed = ", ".join(schemes) or "any scheme"
    for item in value.split(","):
        item = item.strip()
        parts = urlsplit(item)
        if not item or not parts.scheme or (schemes and parts.scheme not in schemes):
            raise ImproperlyConfigured(
                f"{name} must be comma-separated URLs ({allowed}); {item!r} is not one."
            )
        urls.append(item)
    return urls


def env_origins(name: str) -> list[str]:
    origins = env_list(name, [])
    for origin in origins:
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ImproperlyConfigured(
                f"{name} entries must look like https://example.gov, not {origin!r}."
            )
    return origins


_RATE_PERIODS = {
    "s": "second",
    "sec": "second",
    "second": "second",
    "m": "minute",
    "min": "minute",
    "minute": "minute",
    "h": "hour",
    "hour": "hour",
    "d": "day",
    "day": "day",
}


def env_rate(name: str, default: str) -> str:
    """A request rate such as `60/minute` (periods: second, minute, hour, day)."""
    value = _raw(name) or default
    count, _, period = value.partition("/")
    if not count.isdigit() or int(count) < 1 or period.lower() not in _RATE_PERIODS:
        raise ImproperlyConfigured(
            f"{name} must look like 60/minute (second, minute, hour or day), not {value!r}."
        )
    return f"{int(count)}/{_RATE_PERIODS[period.lower()]}"
