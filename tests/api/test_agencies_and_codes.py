"""Agencies with waiver counts; NAICS and PSC lookups for autocomplete."""

import pytest

from tests.api.conftest import errors

pytestmark = pytest.mark.django_db


def codes(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["code"] for row in response.json()["results"]]


def test_agency_list_counts_public_waivers_only(client, catalogue):
    rows = client.get("/api/v1/agencies/", {"has_waivers": "true", "page_size": 100}).json()
    counts = {row["code"]: row["waiver_count"] for row in rows["results"]}
    # NIST: laser + urgent; DLA: valves (its test record is not counted);
    # Defense (097): DLA + Navy.
    assert counts["1341"] == 2
    assert counts["97AS"] == 1
    assert counts["097"] == 2
    assert counts["1700"] == 1
    assert all(count > 0 for count in counts.values())


def test_agency_list_filters(client, catalogue):
    assert "97AS" in codes(client.get("/api/v1/agencies/", {"q": "logistics"}))
    assert codes(client.get("/api/v1/agencies/", {"q": "97as"})) == ["97AS"]
    subtiers = codes(client.get("/api/v1/agencies/", {"department": "097", "page_size": 500}))
    assert "97AS" in subtiers and "1700" in subtiers and "097" not in subtiers
    departments = client.get("/api/v1/agencies/", {"kind": "department", "page_size": 500})
    assert {row["kind"] for row in departments.json()["results"]} == {"department"}


def test_agency_detail_with_counts_by_status_and_type(client, catalogue):
    body = client.get("/api/v1/agencies/097/").json()
    assert body["name"] == "Department of Defense"
    assert body["waiver_count"] == 2
    by_status = {row["value"]: row["count"] for row in body["by_status"]}
    assert by_status["reviewed"] == 1 and by_status["decided"] == 1
    assert "draft" not in by_status
    by_type = {row["value"]: row["count"] for row in body["by_type"]}
    assert by_type == {
        "nonavailability": 1,
        "public_interest": 1,
        "unreasonable_cost": 0,
        "urgent_report": 0,
        "jones_act": 0,
    }
    subtiers = {row["code"]: row["waiver_count"] for row in body["subtiers"]}
    assert subtiers["97AS"] == 1 and subtiers["1700"] == 1
    assert body["waivers_api_url"] == "http://testserver/api/v1/waivers/?agency=097"


def test_agency_detail_of_a_subtier(client, catalogue):
    body = client.get("/api/v1/agencies/97AS/").json()
    assert body["department_code"] == "097"
    assert body["waiver_count"] == 1
    assert body["subtiers"] == []


@pytest.mark.parametrize("code", ["ZZZZ", "%00", "toolongcode"])
def test_unknown_agency_is_a_json_404(client, code):
    response = client.get(f"/api/v1/agencies/{code}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No agency has this code."}


def test_naics_search_by_code_prefix_and_title_words(client):
    assert codes(client.get("/api/v1/naics/", {"q": "334516"})) == ["334516"]
    assert all(c.startswith("3345") for c in codes(client.get("/api/v1/naics/", {"q": "3345"})))
    titled = client.get("/api/v1/naics/", {"q": "laboratory instrument"}).json()["results"]
    assert [row["code"] for row in titled] == ["334516"]
    assert titled[0]["title"] == "Analytical Laboratory Instrument Manufacturing"


def test_psc_search_by_code_prefix_and_name_words(client):
    assert "6640" in codes(client.get("/api/v1/psc/", {"q": "66", "page_size": 100}))
    worded = client.get("/api/v1/psc/", {"q": "laboratory equipment", "page_size": 100}).json()
    assert worded["results"][0]["code"] == "6640"
    for row in worded["results"]:
        text = (row["name"] + " " + row["full_name"]).lower()
        assert "laboratory" in text and "equipment" in text
    assert codes(client.get("/api/v1/psc/", {"q": "66 laboratory"})) == ["66", "6640"]


def test_psc_active_filter_and_retired_codes(client):
    retired = client.get("/api/v1/psc/", {"active": "false", "page_size": 5}).json()["results"]
    assert retired and all(row["is_retired"] and row["end_date"] for row in retired)
    active = client.get("/api/v1/psc/", {"active": "true", "page_size": 5}).json()["results"]
    assert all(not row["is_retired"] for row in active)


def test_code_details(client):
    assert client.get("/api/v1/psc/6640/").json()["name"] == "LABORATORY EQUIPMENT AND SUPPLIES"
    assert client.get("/api/v1/psc/6640/?fields=code").json() == {"code": "6640"}
    assert client.get("/api/v1/naics/334516/").json()["code"] == "334516"
    assert client.get("/api/v1/naics/999999/").status_code == 404


@pytest.mark.parametrize(
    ("url", "params", "names"),
    [
        ("/api/v1/agencies/", {"kind": "bureau"}, ["kind"]),
        (
            "/api/v1/agencies/",
            {"department": "XYZ", "has_waivers": "maybe"},
            ["department", "has_waivers"],
        ),
        ("/api/v1/psc/", {"active": "sometimes"}, ["active"]),
        ("/api/v1/naics/", {"q": "x" * 101, "in_reference": "2"}, ["q", "in_reference"]),
        ("/api/v1/naics/", {"page": "0"}, ["page"]),
        ("/api/v1/psc/", {"fields": "code,nope"}, ["fields"]),
    ],
)
def test_bad_lookup_parameters(client, url, params, names):
    assert set(errors(client.get(url, params))) == set(names)
