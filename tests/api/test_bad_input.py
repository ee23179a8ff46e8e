"""Bad input is a 400 naming each bad parameter (never a 500)."""

import pytest

from tests.api.conftest import errors

pytestmark = pytest.mark.django_db
URL = "/api/v1/waivers/"


@pytest.mark.parametrize(("params", "names"), [
    ({"naics": "abc"}, ["naics"]),
    ({"naics": "1"}, ["naics"]),
    ({"naics": "1234567"}, ["naics"]),
    ({"psc": "66-40"}, ["psc"]),
    ({"submitted_after": "2022-13-01"}, ["submitted_after"]),
    ({"submitted_before": "yesterday"}, ["submitted_before"]),
    ({"ordering": "price"}, ["ordering"]),
    ({"sort": "price"}, ["sort"]),
    ({"cursor": "not-a-cursor"}, ["cursor"]),
    ({"fields": "public_id,secret"}, ["fields"]),
    ({"fields": ","}, ["fields"]),
    ({"page": "abc"}, ["page"]),
    ({"page": "0"}, ["page"]),
    ({"page": "2"}, ["page"]),  # past the last page
    ({"page_size": "0"}, ["page_size"]),
    ({"page_size": "501"}, ["page_size"]),
    ({"page_size": "ten"}, ["page_size"]),
    ({"type": "bogus"}, ["type"]),
    ({"status": "draft"}, ["status"]),  # drafts are never public
    ({"determination": "maybe"}, ["determination"]),
    ({"decision": "perhaps"}, ["decision"]),
    ({"agency": "ZZZZ"}, ["agency"]),
    ({"country": "XX"}, ["country"]),
    ({"stage": "late"}, ["stage"]),
    ({"coverage": "all"}, ["coverage"]),
    ({"open": "maybe"}, ["open"]),
    ({"q": "x" * 201}, ["q"]),
    ({"q": "nul\x00byte"}, ["q"]),
    ({"agency": "\x00"}, ["agency"]),
    ({"format": "xml"}, ["format"]),
    ({"naics": "abc", "submitted_after": "2022-13-01", "ordering": "x", "page": "abc",
      "fields": "nope"}, ["naics", "submitted_after", "ordering", "page", "fields"]),
])
def test_bad_parameters_are_named_in_a_400(client, params, names):
    assert set(errors(client.get(URL, params))) == set(names)


@pytest.mark.parametrize("params", [
    {"submitted_after": "2022-13-01"}, {"naics": "abc"}, {"open": "maybe"},
])
def test_stats_rejects_bad_filters_the_same_way(client, params):
    assert set(errors(client.get("/api/v1/stats/", params))) == set(params)


def test_unknown_parameters_are_ignored(client):
    assert client.get(URL, {"colour": "blue"}).status_code == 200


def test_huge_page_number_is_a_400_not_a_500(client):
    assert "page" in errors(client.get(URL, {"page": "9" * 30}))


def test_errors_are_not_cached(client):
    response = client.get(URL, {"naics": "abc"})
    assert response["Cache-Control"] == "no-cache"
    assert not response.has_header("ETag")
