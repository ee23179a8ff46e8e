"""/agencies/ and /agencies/<slug>/."""

import pytest

from agencies.models import Agency
from tests.waivers.search_catalogue import (
    DRAFT_TITLE,
    TEST_RECORD_TITLE,
    build_catalogue,
    bulk_waivers,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return build_catalogue()


def listed(response) -> list[str]:
    return [waiver.public_id for waiver in response.context["result"].page.object_list]


def ids(*waivers) -> set[str]:
    return {waiver.public_id for waiver in waivers}


def test_lists_every_department_by_name_with_public_counts(client, catalogue):
    response = client.get("/agencies/")
    assert response.status_code == 200
    rows = response.context["table"]["departments"]
    assert len(rows) == Agency.objects.departments().count()
    names = [row.agency.display_name.lower() for row in rows]
    assert names == sorted(names)
    counts = {row.agency.code: row.count for row in rows}
    # DoD: DLA valves + Navy hull; the DLA test record is not counted.
    assert counts["097"] == 2
    assert counts["013"] == 2  # NIST laser + urgent report; the NIST draft is not counted
    assert counts["069"] == 1
    assert sum(counts.values()) == 5
    defense = next(row for row in rows if row.agency.code == "097")
    assert [(sub.agency.code, sub.count) for sub in defense.subtiers] == [("97AS", 1), ("1700", 1)]


def test_agency_list_links_departments_and_subtiers(client, catalogue):
    html = client.get("/agencies/").content.decode()
    assert 'href="/agencies/dod/">Department of Defense</a>' in html
    assert 'href="/agencies/defense-logistics-agency/">Defense Logistics Agency</a>' in html
    assert "Departments without waivers" in html


def test_department_page_lists_the_waivers_of_its_subtiers(client, catalogue):
    response = client.get("/agencies/dod/")
    assert response.status_code == 200
    assert set(listed(response)) == ids(catalogue.valves, catalogue.hull)
    assert response.context["summary"] == {
        "total": 2,
        "open": 0,
        "determined": 2,
        "granted": 1,
        "withdrawn": 0,
    }
    assert [(sub.agency.code, sub.count) for sub in response.context["subtiers"]] == [
        ("97AS", 1),
        ("1700", 1),
    ]
    html = response.content.decode()
    assert "<h1>Department of Defense</h1>" in html
    assert 'href="/agencies/department-of-the-navy/"' in html
    assert TEST_RECORD_TITLE not in html and DRAFT_TITLE not in html


def test_subtier_page_names_its_department(client, catalogue):
    response = client.get("/agencies/defense-logistics-agency/")
    assert set(listed(response)) == ids(catalogue.valves)
    html = response.content.decode()
    assert "97AS" in html
    assert 'href="/agencies/dod/">Department of Defense</a> (097)' in html
    assert TEST_RECORD_TITLE not in html


def test_agency_page_has_the_same_search_filters_and_sort(client, catalogue):
    url = "/agencies/dod/"
    assert listed(client.get(url, {"q": "valves"})) == [catalogue.valves.public_id]
    assert listed(client.get(url, {"status": "decided"})) == [catalogue.hull.public_id]
    assert listed(client.get(url, {"sort": "oldest"})) == [
        catalogue.valves.public_id,
        catalogue.hull.public_id,
    ]
    # A filter can never widen the page beyond the agency.
    assert set(listed(client.get(url, {"agency": ["097", "013"]}))) == ids(
        catalogue.valves, catalogue.hull
    )
    response = client.get(url, {"page": "abc", "type": "bogus"})
    assert response.status_code == 200
    assert [p.param for p in response.context["result"].problems] == ["type", "page"]


def test_agency_page_facets_count_within_the_agency(client, catalogue):
    response = client.get("/agencies/dod/")
    types = {o.value: o.count for o in response.context["result"].controls.facets["type"].options}
    assert types["public_interest"] == 1 and types["nonavailability"] == 1
    assert types["urgent_report"] == 0


def test_agency_page_exports_and_feed_cover_the_agency(client, catalogue):
    html = client.get("/agencies/dod/", {"psc": "48"}).content.decode()
    assert 'href="/waivers/export.csv?psc=48&amp;agency=097"' in html
    assert 'href="/waivers/feed/?psc=48&amp;agency=097"' in html


def test_pagination_on_agency_page(client):
    bulk_waivers(12)  # all NIST
    url = "/agencies/national-institute-of-standards-and-technology/"
    assert len(listed(client.get(url, {"page_size": "10", "page": "2"}))) == 2
    response = client.get(url, {"page_size": "10", "page": "50"})
    assert response.context["result"].page.number == 2


def test_unknown_agency_is_404(client):
    assert client.get("/agencies/no-such-agency/").status_code == 404


def test_query_counts_do_not_grow(committed_db, client, django_assert_max_num_queries):
    bulk_waivers(5)
    # The data version, the scorecard's snapshot state and snapshot
    # (waivers.snapshots), three queries for the departments' counts and five
    # for the scorecard (waivers.selectors.scorecard), whatever the number of waivers.
    with django_assert_max_num_queries(11):
        client.get("/agencies/")
    with django_assert_max_num_queries(2):  # cached until the next write
        client.get("/agencies/")
    with django_assert_max_num_queries(20) as small:
        client.get("/agencies/doc/")
    bulk_waivers(55, start="2024-01-01")
    with django_assert_max_num_queries(11):
        response = client.get("/agencies/")
    departments = response.context["table"]["departments"]
    assert sum(row.count for row in departments) == 60  # not the cached 5
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get("/agencies/doc/")
    assert response.context["summary"]["total"] == 60
