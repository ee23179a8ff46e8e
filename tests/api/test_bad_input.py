"""Bad input is a 400 naming each bad parameter (never a 500)."""

import pytest

from tests.api.conftest import errors

pytestmark = pytest.mark.django_db
URL = "/api/v1/waivers/"


@pytest.mark.parametrize(
    ("params", "names"),
    [
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
        (
            {
                "naics": "abc",
                "submitted_after": "2022-13-01",
                "ordering": "x",
                "page": "abc",
                "fields": "nope",
            },
            ["naics", "submitted_after", "ordering", "page", "fields"],
        ),
        ({"naics": "abc", "cursor": "not-a-cursor"}, ["naics", "cursor"]),
    ],
)
def test_bad_parameters_are_named_in_a_400(client, params, names):
    assert set(errors(client.get(URL, params))) == set(names)


@pytest.mark.parametrize(
    "params",
    [
        {"submitted_after": "2022-13-01"},
        {"naics": "abc"},
        {"open": "maybe"},
    ],
)
def test_stats_rejects_bad_filters_the_same_way(client, params):
    assert set(errors(client.get("/api/v1/stats/", params))) == set(params)


def test_unknown_parameters_are_ignored(client):
    assert client.get(URL, {"colour": "blue"}).status_code == 200


def test_page_past_the_end_is_a_404(client):
    for page in ("2", "9" * 30):
        response = client.get(URL, {"page": page})
        assert response.status_code == 404
        assert response.json() == {"detail": f"Page {page} is past the last page (1)."}


def test_empty_values_mean_the_parameter_was_left_out(client):
    params = dict.fromkeys(
        [
            "q",
            "naics",
            "psc",
            "submitted_after",
            "submitted_before",
            "open",
            "stage",
            "coverage",
            "ordering",
            "sort",
            "page",
            "page_size",
            "fields",
            "format",
        ],
        "",
    )
    assert client.get(URL, params).status_code == 200
    # Repeatable parameters name values; an empty one is not a value.
    assert set(errors(client.get(URL, {"type": "", "agency": ""}))) == {"type", "agency"}


def test_errors_are_not_cached(client):
    response = client.get(URL, {"naics": "abc"})
    assert response["Cache-Control"] == "no-cache"
    assert not response.has_header("ETag")
