"""GET /api/v1/waivers/<public-id>/: the full public record."""

import pytest

from tests import site_data
from tests.api.conftest import errors

pytestmark = pytest.mark.django_db


def detail(client, waiver, **params):
    response = client.get(f"/api/v1/waivers/{waiver.public_id}/", params)
    assert response.status_code == 200, response.content
    return response.json()


def test_price_preference_with_evaluated_price_and_result(client):
    waiver = site_data.unreasonable_cost(small_business=False)
    body = detail(client, waiver)
    assert body["type"] == "unreasonable_cost"
    assert body["price_preference"] == {
        "lowest_foreign_offer": "100000.00",
        "lowest_domestic_offer": "125000.00",
        "domestic_business_size": "large",
        "is_dod": False,
        "factor": "0.20",
        "evaluated_foreign_price": "120000.00",
        "domestic_is_reasonable": False,
        "result": "unreasonable",
    }
    assert body["jones_act"] is None and body["urgent_report"] is None


def test_small_business_price_is_reasonable(client):
    body = detail(client, site_data.unreasonable_cost(small_business=True))
    assert body["price_preference"]["evaluated_foreign_price"] == "130000.00"
    assert body["price_preference"]["result"] == "reasonable"


def test_jones_act_details(client):
    jones = detail(client, site_data.jones_act())["jones_act"]
    assert jones["vessel_name"] == "MT Northern Star"
    assert jones["authority"] == "501b"
    assert jones["decision"] == "granted"
    assert jones["valid_days"] == 10 and jones["total_days"] == 15
    assert jones["received_at"].startswith("2022-09-20T14:00:00")
    assert jones["window_start"] == "2022-09-25"


def test_urgent_report_details(client):
    report = detail(client, site_data.urgent_report())["urgent_report"]
    assert report == {
        "contract_number": "70FA6022C00000011",
        "contract_signed_date": "2022-05-02",
        "urgency_contributed": "yes",
        "urgency_explanation": "Hurricane damage required parts within 48 hours.",
        "mission_impact": "Shelters would lose power during the storm season.",
    }


def test_history_has_statuses_and_times_but_no_staff_or_notes(client):
    waiver = site_data.nonavailability()
    response = client.get(f"/api/v1/waivers/{waiver.public_id}/")
    history = response.json()["history"]
    assert [(h["from_status"], h["to_status"]) for h in history] == [
        ("", "submitted"),
        ("submitted", "in_review"),
        ("in_review", "reviewed"),
        ("reviewed", "decided"),
    ]
    assert all(set(entry) == {"from_status", "to_status", "at"} for entry in history)
    content = response.content.decode()
    for secret in (
        site_data.STAFF_USERNAME,
        site_data.STAFF_NOTE,
        site_data.SECRET_OFFICIAL,
        site_data.SECRET_CONTACTS,
        site_data.SECRET_MARKET_RESEARCH,
        site_data.SECRET_EXCLUDED,
        "draft",
    ):
        assert secret not in content


def test_detail_fields_selection(client):
    waiver = site_data.urgent_report()
    body = detail(client, waiver, fields="public_id,urgent_report")
    assert list(body) == ["public_id", "urgent_report"]
    assert "fields" in errors(
        client.get(f"/api/v1/waivers/{waiver.public_id}/", {"fields": "public_id,internal"})
    )


@pytest.mark.parametrize("public_id", ["MIA-00000000", "nope", "MIA-%00", "x" * 300])
def test_unknown_ids_are_a_json_404(client, public_id):
    response = client.get(f"/api/v1/waivers/{public_id}/")
    assert response.status_code == 404
    assert response.json() == {"detail": "No public waiver has this identifier."}


def test_drafts_and_test_records_are_not_found(client):
    for waiver in (site_data.draft(), site_data.test_record()):
        assert client.get(f"/api/v1/waivers/{waiver.public_id}/").status_code == 404


def test_withdrawn_waivers_stay_visible(client):
    body = detail(client, site_data.public_interest())
    assert body["status"] == "withdrawn"
    assert body["withdrawn_at"].startswith("2022-04-05")


@pytest.mark.parametrize(("make", "queries"), [("nonavailability", 1), ("jones_act", 2)])
def test_detail_runs_its_few_queries(client, django_assert_num_queries, make, queries):
    """One prepared statement reads the published row, the history and the
    data version (its Last-Modified); the type's details follow where the
    waiver has them."""
    waiver = getattr(site_data, make)()
    with django_assert_num_queries(queries) as captured:
        body = detail(client, waiver)
    assert body["public_id"] == waiver.public_id
    assert (body["jones_act"] is not None) is (make == "jones_act")
    statements = [query["sql"] for query in captured.captured_queries]
    assert sum(sql.split()[0] in ("PREPARE", "EXECUTE") for sql in statements) == 1
    assert len(body["history"]) == waiver.status_changes.exclude(to_status="draft").count() > 0


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/contracts/")
    assert response.status_code == 404
    assert "detail" in response.json()


def test_page_addresses_follow_the_address_each_request_came_to(client, settings):
    """Row builders are kept per site address: one process answering at two
    addresses gives each its own links."""
    settings.ALLOWED_HOSTS = ["data.example.gov", "mirror.example.org"]
    waiver = site_data.urgent_report()
    path = f"/api/v1/waivers/{waiver.public_id}/"
    first = client.get(path, HTTP_HOST="data.example.gov").json()
    second = client.get(path, HTTP_HOST="mirror.example.org", secure=True).json()
    again = client.get(path, HTTP_HOST="data.example.gov").json()
    assert first["url"] == f"http://data.example.gov/waivers/{waiver.public_id}/"
    assert second["url"] == f"https://mirror.example.org/waivers/{waiver.public_id}/"
    assert again == first
