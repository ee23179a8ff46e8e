"""Reads from replicas (miao_site.replicas): which database each request
reads from, read-your-writes, fallback, and validators that never go back.

Here the replica alias is a second connection to the test database (what the
primary has committed, it has); tests/miao_site/test_replica_cluster.py runs
the same against a real primary and hot standby."""

import pytest
from django.db import DEFAULT_DB_ALIAS, connections
from django.test.utils import CaptureQueriesContext

from miao_site import replicas
from tests.factories import WaiverFactory, post
from tests.miao_site.replica_alias import ALIAS


@pytest.fixture
def replica(committed_db, settings):
    """The replica in use, and committed data, as production has."""
    settings.DATABASE_REPLICAS = [ALIAS]
    replicas.forget_health()
    yield ALIAS
    replicas.forget_health()
    connections[ALIAS].close()


pytestmark = pytest.mark.django_db(transaction=True, databases=[DEFAULT_DB_ALIAS, ALIAS])


def queries_on_each(client, *args, **kwargs):
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[ALIAS]) as replica,
    ):
        response = client.generic(*args, **kwargs)
    return response, len(primary), len(replica)


@pytest.fixture
def waiver(replica):
    return post(WaiverFactory(procurement_title="Replica read marker"))


@pytest.mark.parametrize(
    "path",
    ["/", "/waivers/", "/stats/", "/api/v1/waivers/", "/waivers/feed/", "/waivers/export.csv"],
)
def test_anonymous_reads_go_to_the_replica(client, waiver, path):
    response, on_primary, on_replica = queries_on_each(client, "GET", path)
    assert response.status_code == 200
    if response.streaming:
        b"".join(response.streaming_content)
    assert on_replica >= 2  # the health check, the version, and the page's reads
    # The primary is asked for the data version only: the validators' source.
    assert on_primary == 1


def test_waiver_page_reads_from_the_replica(client, waiver):
    response, on_primary, on_replica = queries_on_each(
        client, "GET", f"/waivers/{waiver.public_id}/"
    )
    assert response.status_code == 200
    assert b"Replica read marker" in response.content
    assert on_primary == 1
    assert on_replica > 2


def test_streamed_export_reads_from_the_replica_while_it_is_sent(client, waiver):
    response = client.get("/waivers/export.csv")
    with (
        CaptureQueriesContext(connections[DEFAULT_DB_ALIAS]) as primary,
        CaptureQueriesContext(connections[ALIAS]) as replica,
    ):
        body = b"".join(response.streaming_content)
    assert b"Replica read marker" in body
    assert len(replica) >= 1
    assert not [q for q in primary if "waivers_waiver" in q["sql"]]


def test_a_write_then_reads_from_the_primary_for_a_while(client, waiver, settings):
    settings.DATABASE_READ_YOUR_WRITES_SECONDS = 7
    response = client.post("/waivers/")  # any non-safe request, answered or not
    cookie = response.cookies[replicas.RECENT_WRITE_COOKIE]
    assert cookie["max-age"] == 7
    assert cookie["httponly"]
    response, on_primary, on_replica = queries_on_each(client, "GET", "/waivers/")
    assert response.status_code == 200
    assert on_replica == 0
    assert on_primary > 1
    # Once the cookie has expired, reads go back to the replica.
    client.cookies.pop(replicas.RECENT_WRITE_COOKIE)
    _, _, on_replica = queries_on_each(client, "GET", "/waivers/")
    assert on_replica > 0


def test_recent_write_cookie_also_without_replicas(client, committed_db, settings):
    """A CDN in front passes requests with the cookie to the site (README)."""
    settings.DATABASE_REPLICAS = []
    response = client.post("/waivers/")
    assert replicas.RECENT_WRITE_COOKIE in response.cookies
    assert "private" in client.get("/waivers/")["Cache-Control"]


def test_signed_in_people_and_the_admin_read_from_the_primary(client, waiver, django_user_model):
    staff = django_user_model.objects.create_user("reader", password="x" * 16, is_staff=True)
    client.force_login(staff)
    _, on_primary, on_replica = queries_on_each(client, "GET", "/waivers/")
    assert on_replica == 0
    assert on_primary > 1
    client.logout()
    client.cookies.clear()
    _, _, on_replica = queries_on_each(client, "GET", "/admin/login/")
    assert on_replica == 0


def test_a_replica_behind_the_primarys_version_is_not_used(client, waiver):
    """A replica that has not replayed the version the validators come from
    would serve older rows under newer validators; the primary answers."""
    with connections[ALIAS].cursor() as cursor:
        # The replica's connection sees the version row as of an older
        # snapshot: a repeatable-read transaction opened before the write.
        cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        cursor.execute("SELECT number FROM waivers_dataversion WHERE id = 1")
        post(WaiverFactory(procurement_title="Written after the replica's snapshot"))
        response, on_primary, _ = queries_on_each(client, "GET", "/waivers/")
        cursor.execute("ROLLBACK")
    assert response.status_code == 200
    assert b"Written after the replica" in response.content
    assert on_primary > 1


def test_validators_come_from_the_primarys_version(client, waiver):
    first = client.get("/api/v1/waivers/")
    post(WaiverFactory(procurement_title="A newer waiver"))
    second = client.get("/api/v1/waivers/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert second.status_code == 200
    assert b"A newer waiver" in second.content
    assert second["Last-Modified"] != first["Last-Modified"]


def test_a_replica_lagging_beyond_the_bound_is_skipped(client, waiver, settings):
    replicas._health[ALIAS] = replicas.Health(True, 45.0, True, float("inf"))
    settings.DATABASE_REPLICA_MAX_LAG = 30
    _, on_primary, on_replica = queries_on_each(client, "GET", "/waivers/")
    assert on_replica == 0
    settings.DATABASE_REPLICA_MAX_LAG = 60
    _, on_primary, on_replica = queries_on_each(client, "GET", "/waivers/")
    assert on_replica > 0


def test_a_replica_that_is_down_is_skipped_without_an_error(client, waiver, settings):
    replica_connection = connections[ALIAS]
    replica_connection.close()
    working = replica_connection.settings_dict
    replica_connection.settings_dict = {**working, "PORT": "1"}  # nothing listens there
    try:
        response = client.get("/waivers/")
        assert response.status_code == 200
        assert b"Replica read marker" in response.content
        assert replicas._health[ALIAS].up is False
        # The failed check is remembered: the next request does not try again yet.
        checked_at = replicas._health[ALIAS].checked_at
        response = client.get("/api/v1/waivers/")
        assert response.status_code == 200
        assert replicas._health[ALIAS].checked_at == checked_at
    finally:
        replica_connection.close()
        replica_connection.settings_dict = working


def test_router_sends_writes_and_migrations_to_the_primary():
    router = replicas.ReplicaRouter()
    assert router.db_for_write(None) == DEFAULT_DB_ALIAS
    assert router.db_for_read(None) == DEFAULT_DB_ALIAS  # outside requests
    assert router.allow_migrate(DEFAULT_DB_ALIAS, "waivers") is True
    assert router.allow_migrate(ALIAS, "waivers") is False
