import pytest
from django.core.exceptions import ImproperlyConfigured

from miao_site.env import (
    env_bool,
    env_int,
    env_list,
    env_origins,
    env_timezone,
    env_url,
    env_url_list,
)


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), (" Yes ", True)])
def test_env_bool_accepts_clear_values(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", not expected) is expected


def test_env_bool_rejects_garbage_instead_of_defaulting(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", False)


def test_unset_or_blank_values_use_the_default(monkeypatch):
    monkeypatch.setenv("BLANK", "  ")
    monkeypatch.delenv("MISSING", raising=False)
    assert env_bool("BLANK", True) is True
    assert env_int("MISSING", 7) == 7
    assert env_list("MISSING", ["a"]) == ["a"]


def test_env_int_rejects_non_numbers(monkeypatch):
    monkeypatch.setenv("PORT", "25x")
    with pytest.raises(ImproperlyConfigured, match="PORT"):
        env_int("PORT", 25)


def test_env_url_checks_scheme(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://x/y")
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL"):
        env_url("DATABASE_URL", schemes=("postgres", "postgresql"))
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h:5432/db")
    assert env_url("DATABASE_URL", schemes=("postgres", "postgresql")) == "postgresql://u@h:5432/db"


def test_env_origins_require_scheme_and_host(monkeypatch):
    monkeypatch.setenv("CSRF_TRUSTED_ORIGINS", "https://a.gov, example.gov")
    with pytest.raises(ImproperlyConfigured, match="example.gov"):
        env_origins("CSRF_TRUSTED_ORIGINS")


def test_env_timezone_accepts_iana_names_only(monkeypatch):
    monkeypatch.setenv("TIME_ZONE", "Europe/Paris")
    assert env_timezone("TIME_ZONE", "UTC") == "Europe/Paris"
    for bad in ("Mars/Base", "../etc/passwd", "America/New York"):
        monkeypatch.setenv("TIME_ZONE", bad)
        with pytest.raises(ImproperlyConfigured, match="TIME_ZONE must be an IANA time zone"):
            env_timezone("TIME_ZONE", "UTC")


def test_env_int_can_require_a_minimum(monkeypatch):
    monkeypatch.setenv("AGE", "-5")
    with pytest.raises(ImproperlyConfigured, match="AGE must be at least 0, not -5"):
        env_int("AGE", 60, minimum=0)
    monkeypatch.setenv("AGE", "0")
    assert env_int("AGE", 60, minimum=0) == 0


def test_env_url_list_checks_every_url(monkeypatch):
    monkeypatch.setenv("REPLICAS", " postgresql://a/db , postgres://b:5433/db ")
    assert env_url_list("REPLICAS", schemes=("postgres", "postgresql")) == [
        "postgresql://a/db",
        "postgres://b:5433/db",
    ]
    monkeypatch.delenv("REPLICAS")
    assert env_url_list("REPLICAS") == []
    for bad in ("postgresql://a/db,", "postgresql://a/db,,postgresql://b/db", "mysql://a/db"):
        monkeypatch.setenv("REPLICAS", bad)
        with pytest.raises(ImproperlyConfigured, match="REPLICAS"):
            env_url_list("REPLICAS", schemes=("postgres", "postgresql"))
