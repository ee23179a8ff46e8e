"""API limits come from the environment, parsed strictly."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from miao_site.env import env_rate


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        (None, "60/minute"),
        ("100/hour", "100/hour"),
        ("5/s", "5/second"),
        ("7/DAY", "7/day"),
        (" 30/min ", "30/minute"),
    ],
)
def test_rates_are_parsed(monkeypatch, raw, parsed):
    if raw is None:
        monkeypatch.delenv("API_RATE_TEST", raising=False)
    else:
        monkeypatch.setenv("API_RATE_TEST", raw)
    assert env_rate("API_RATE_TEST", "60/minute") == parsed


@pytest.mark.parametrize("raw", ["sixty/minute", "60", "60/fortnight", "0/minute", "-1/hour"])
def test_malformed_rates_stop_start_up(monkeypatch, raw):
    monkeypatch.setenv("API_RATE_TEST", raw)
    with pytest.raises(ImproperlyConfigured, match="API_RATE_TEST"):
        env_rate("API_RATE_TEST", "60/minute")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("API_RATE_ANON", "lots", "API_RATE_ANON must look like 60/minute"),
        ("API_MAX_PAGE_SIZE", "many", "API_MAX_PAGE_SIZE must be a whole number"),
        ("API_PAGE_SIZE", "0", "API_PAGE_SIZE must be between 1 and API_MAX_PAGE_SIZE"),
        ("CACHE_URL", "memcached://127.0.0.1", "CACHE_URL must be a URL"),
    ],
)
def test_bad_api_settings_stop_start_up_with_a_message(variable, value, message):
    from tests.miao_site.test_deploy_check import PRODUCTION, run_manage

    result = run_manage("check", **{**PRODUCTION, variable: value})
    assert result.returncode != 0
    assert message in result.stderr
