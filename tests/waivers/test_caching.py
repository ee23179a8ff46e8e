"""Cached facet counts, stats and result counts (waivers.caching): served from
the cache while nothing changes, recomputed as soon as a service writes."""

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory, WaiverFactory, post
from waivers import caching, services
from waivers.models import Waiver
from waivers.models.data_version import VERSIONED_TABLES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def type_counts(response) -> dict[str, int]:
    return {o.value: o.count for o in response.context["result"].controls.facets["type"].options}


def test_repeated_search_reuses_cached_facets_and_count(committed_db, client):
    post(WaiverFactory())
    with CaptureQueriesContext(connection) as first:
        client.get("/waivers/", {"type": "nonavailability"})
    with CaptureQueriesContext(connection) as second:
        response = client.get("/waivers/", {"type": "nonavailability"})
    assert response.context["result"].page.paginator.count == 1
    assert type_counts(response)["nonavailability"] == 1
    # Only the version read and the page of results remain.
    assert len(second.captured_queries) == 2
    assert len(first.captured_queries) > 2


def test_a_service_write_shows_up_at_once(client):
    post(WaiverFactory())
    assert client.get("/waivers/").context["result"].page.paginator.count == 1
    post(WaiverFactory())
    response = client.get("/waivers/")
    assert response.context["result"].page.paginator.count == 2
    assert type_counts(response)["nonavailability"] == 2
    assert "2 waivers" in response.content.decode()


def test_a_transition_updates_facets_and_stats(client):
    waiver = post(WaiverFactory())
    assert client.get("/stats/").context["stats"]["total"] == 1
    before = client.get("/waivers/")
    assert {o.value: o.count for o in before.context["result"].controls.facets["status"].options}[
        "withdrawn"
    ] == 0
    services.withdraw(waiver, actor=None)
    after = client.get("/waivers/")
    assert {o.value: o.count for o in after.context["result"].controls.facets["status"].options}[
        "withdrawn"
    ] == 1
    assert {d["value"]: d["count"] for d in client.get("/stats/").context["stats"]["decisions"]}[
        "withdrawn"
    ] == 1


def test_a_deletion_through_the_services_invalidates(client):
    waiver = post(WaiverFactory())
    post(WaiverFactory())
    assert client.get("/waivers/").context["result"].page.paginator.count == 2
    services.delete_waiver(waiver, actor=UserFactory(username="root", is_superuser=True))
    assert client.get("/waivers/").context["result"].page.paginator.count == 1


def test_a_read_leaves_the_data_version_alone(committed_db):
    before = caching.data_version()
    list(Waiver.objects.public())
    assert caching.data_version() == before


def test_each_committed_write_moves_the_version_and_its_time(committed_db):
    """Inserts, updates and deletions alike; the HTTP date (whole seconds)
    moves every time, even for writes within the same second."""
    versions = [caching.data_version()]
    waiver = post(WaiverFactory())  # inserts
    versions.append(caching.data_version())
    Waiver.objects.filter(pk=waiver.pk).update(procurement_title="Changed")
    versions.append(caching.data_version())
    Waiver.objects.filter(pk=waiver.pk).delete()
    versions.append(caching.data_version())
    numbers = [v.number for v in versions]
    seconds = [int(v.changed_at.timestamp()) for v in versions]
    assert numbers == sorted(set(numbers)), numbers
    assert seconds == sorted(set(seconds)), seconds
    assert not any(v.uncommitted for v in versions)


def test_the_version_moves_once_per_transaction_and_is_seen_at_commit(committed_db):
    before = caching.data_version()
    with transaction.atomic():
        post(WaiverFactory())
        post(WaiverFactory())
        inside = caching.data_version()
        assert inside.uncommitted
    after = caching.data_version()
    assert inside.number == after.number != before.number
    assert not after.uncommitted


def test_a_rolled_back_write_never_brings_an_old_number_back(committed_db):
    before = caching.data_version()
    with transaction.atomic():
        post(WaiverFactory())
        rolled_back = caching.data_version().number
        transaction.set_rollback(True)
    assert caching.data_version() == before
    post(WaiverFactory())
    assert caching.data_version().number not in (before.number, rolled_back)


def test_a_writing_transaction_neither_reads_nor_fills_the_cache(committed_db, client):
    post(WaiverFactory())
    client.get("/waivers/")  # cached: one waiver
    with transaction.atomic():
        post(WaiverFactory())
        # Figures computed inside see the uncommitted waiver and are not stored.
        assert client.get("/waivers/").context["result"].page.paginator.count == 2
        transaction.set_rollback(True)
    assert client.get("/waivers/").context["result"].page.paginator.count == 1


def test_the_version_read_as_columns_of_another_statement_is_read_versions(committed_db):
    """VERSION_ANNOTATIONS (read with the API detail's row) give what
    read_version() gives, before and inside a writing transaction."""

    def as_columns():
        row = Waiver.objects.annotate(**caching.VERSION_ANNOTATIONS).values_list(
            *caching.VERSION_ANNOTATIONS
        )
        return caching.version_from(*row[0])

    post(WaiverFactory())
    assert as_columns() == caching.read_version()
    with transaction.atomic():
        post(WaiverFactory())
        assert as_columns() == caching.read_version()
        assert as_columns().uncommitted
    assert caching.version_from(None, None, None) == caching.Version(0, None)


def test_a_remembered_version_never_replaces_one_the_request_read():
    read, remembered = caching.Version(7, None), caching.Version(5, None)
    token = caching._request_version.set([read])
    try:
        caching.remember_version(remembered)
        assert caching.data_version() == read
    finally:
        caching._request_version.reset(token)
    token = caching._request_version.set([])
    try:
        caching.remember_version(remembered)
        assert caching.data_version() == remembered
    finally:
        caching._request_version.reset(token)


def test_keys_differ_by_rows_not_by_ordering():
    public = Waiver.objects.public()
    assert caching.queryset_key("x", public.order_by("id")) == caching.queryset_key(
        "x", public.order_by("-id")
    )
    assert caching.queryset_key("x", public) != caching.queryset_key(
        "x", public.filter(waiver_type="jones_act")
    )


def test_every_public_table_and_only_those_move_the_version():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgenabled FROM pg_trigger t "
            "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
            "WHERE p.proname = 'waivers_bump_data_version'"
        )
        triggers = dict(cursor.fetchall())
    assert set(triggers) == set(VERSIONED_TABLES)
    assert set(triggers.values()) == {"A"}  # fires in bulk loads (replica role) too
