"""Rate limits count requests in fixed windows, in the default cache's store:
with Redis in one transaction of its own (shared by every worker), with
another cache through Django's cache API."""

import os
import uuid

import pytest
import redis

from miao_site import ratelimit
from tests.conftest import RATE_WINDOW_CLOCK

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def test_rates_are_read_as_a_count_and_a_period():
    assert ratelimit.parse("5/hour") == (5, 3600)
    assert ratelimit.parse("60/minute") == (60, 60)


def test_a_window_counts_up_to_its_limit_then_refuses():
    tallies = [ratelimit.count("test", "someone", "2/day") for _ in range(3)]
    assert [tally.count for tally in tallies] == [1, 2, 3]
    assert [tally.allowed for tally in tallies] == [True, True, False]
    assert [tally.remaining for tally in tallies] == [1, 0, 0]
    # Each identity and each scope has its own counter.
    assert ratelimit.allow("test", "someone-else", "2/day")
    assert ratelimit.allow("other-scope", "someone", "2/day")


def test_the_next_window_starts_afresh_and_says_when(monkeypatch):
    tally = ratelimit.count("test", "someone", "1/minute")
    # The steady clock stands 30 s into its minute.
    assert (tally.allowed, tally.reset_in) == (True, 30)
    monkeypatch.setattr(ratelimit, "clock", lambda: RATE_WINDOW_CLOCK + 29.5)
    tally = ratelimit.count("test", "someone", "1/minute")
    assert (tally.allowed, tally.reset_in) == (False, 1)
    monkeypatch.setattr(ratelimit, "clock", lambda: RATE_WINDOW_CLOCK + 30)
    tally = ratelimit.count("test", "someone", "1/minute")
    assert (tally.count, tally.allowed, tally.reset_in) == (1, True, 60)


@pytest.fixture
def redis_cache(settings):
    """The default cache on the Redis server at TEST_REDIS_URL (database 15 of
    the local server by default), under a key prefix of this test's own.
    Skipped where no Redis answers, unless REQUIRE_REDIS=1 (set by .ci/run)."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("REQUIRE_REDIS") == "1":
            pytest.fail(f"No Redis at {REDIS_URL} and REQUIRE_REDIS=1")
        pytest.skip(f"No Redis at {REDIS_URL}")
    prefix = f"test-{uuid.uuid4().hex}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
        }
    }
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_with_redis_each_request_is_one_counter_increment_that_expires(redis_cache):
    client, prefix = redis_cache
    tallies = [ratelimit.count("api.client", "203.0.113.9", "2/minute") for _ in range(3)]
    assert [(tally.count, tally.allowed) for tally in tallies] == [(1, True), (2, True), (3, False)]
    (key,) = client.scan_iter(f"{prefix}:*")
    assert key.decode().startswith(f"{prefix}:rate:api.client:")
    assert b"203.0.113.9" not in key  # the address is hashed
    assert client.get(key) == b"3"
    # It lives out its window and one second more, then goes.
    assert 0 < client.ttl(key) <= 61


@pytest.mark.django_db
def test_with_redis_the_api_answers_429_with_the_time_left(client, redis_cache, settings):
    settings.API_RATE_ANON = "2/minute"
    url = "/api/v1/naics/?q=3345"
    answers = [client.get(url) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert [answer["X-RateLimit-Remaining"] for answer in answers] == ["1", "0", "0"]
    assert answers[-1]["Retry-After"] == "30"


def test_clients_without_an_address_share_one_counter():
    assert [ratelimit.allow("test", None, "1/hour") for _ in range(2)] == [True, False]
