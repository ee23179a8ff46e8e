"""Cached facet counts, stats and result counts (waivers.caching): served from
the cache while nothing changes, recomputed as soon as a service writes."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory, WaiverFactory, post
from waivers import caching, services
from waivers.models import Waiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


def type_counts(response) -> dict[str, int]:
    return {o.value: o.count for o in response.context["result"].facets["type"].options}


def test_repeated_search_reuses_cached_facets_and_count(client):
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
    assert {o.value: o.count for o in before.context["result"].facets["status"].options}[
        "withdrawn"
    ] == 0
    services.withdraw(waiver, actor=None)
    after = client.get("/waivers/")
    assert {o.value: o.count for o in after.context["result"].facets["status"].options}[
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


def test_bump_changes_the_data_version():
    before = caching.data_version()
    caching.bump()
    assert caching.data_version() != before


def test_keys_differ_by_rows_not_by_ordering():
    public = Waiver.objects.public()
    assert caching.queryset_key("x", public.order_by("id")) == caching.queryset_key(
        "x", public.order_by("-id")
    )
    assert caching.queryset_key("x", public) != caching.queryset_key(
        "x", public.filter(waiver_type="jones_act")
    )
