"""/healthz: the primary, each replica and the cache, for load balancers."""

import pytest
from django.db import DEFAULT_DB_ALIAS, connections

from miao_site import replicas
from tests.miao_site.replica_alias import ALIAS

pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, ALIAS])


@pytest.fixture
def with_replica(settings):
    settings.DATABASE_REPLICAS = [ALIAS]
    replicas.forget_health()
    yield
    replicas.forget_health()
    connections[ALIAS].close()


def test_healthy_without_replicas(client, settings):
    settings.DATABASE_REPLICAS = []
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["primary"]["up"] is True
    assert isinstance(body["primary"]["data_version"], int)
    assert body["replicas"] == {}
    assert body["cache"] == {"up": True}
    assert "no-store" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]
    assert not response.has_header("ETag")


def test_reports_each_replica_and_its_lag(client, with_replica):
    body = client.get("/healthz").json()
    assert body["replicas"][ALIAS]["up"] is True
    assert body["replicas"][ALIAS]["lag_seconds"] == 0  # not in recovery: the same server
    assert body["replicas"][ALIAS]["used_for_reads"] is True
    assert body["replicas"][ALIAS]["data_version"] == body["primary"]["data_version"]


def test_a_replica_down_is_reported_but_the_site_is_healthy(client, with_replica):
    replica_connection = connections[ALIAS]
    replica_connection.close()
    working = replica_connection.settings_dict
    replica_connection.settings_dict = {**working, "PORT": "1"}
    try:
        response = client.get("/healthz")
    finally:
        replica_connection.close()
        replica_connection.settings_dict = working
    assert response.status_code == 200
    assert response.json()["replicas"][ALIAS] == {
        "up": False,
        "lag_seconds": None,
        "used_for_reads": False,
    }


def test_primary_down_is_503_without_secrets(client, settings):
    settings.DATABASE_REPLICAS = []
    primary = connections[DEFAULT_DB_ALIAS]
    primary.close()
    working = primary.settings_dict
    primary.settings_dict = {**working, "PORT": "1", "PASSWORD": "s3cret-marker"}
    try:
        response = client.get("/healthz")
    finally:
        primary.close()
        primary.settings_dict = working
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["primary"] == {"up": False}
    text = response.content.decode()
    for secret in ("s3cret-marker", working["NAME"], working["USER"], "127.0.0.1", "5432"):
        assert secret not in text


def test_cache_down_is_503(client, settings):
    settings.DATABASE_REPLICAS = []
    # A Redis cache where nothing listens.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["cache"] == {"up": False}


def test_only_get_and_head(client):
    assert client.post("/healthz").status_code == 405
    assert client.head("/healthz").status_code == 200
