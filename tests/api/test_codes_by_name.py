"""Issue 17: the naics and psc filters take words of a code's title as well
as a code or its first characters, on the site and in the API. Bad input
stays a 400 with a message on the field: digits are a code (seven are too
many), and words that match no title are an error, never an empty search."""

import pytest

from tests.api.conftest import errors, ids, results

pytestmark = pytest.mark.django_db
URL = "/api/v1/waivers/"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # 334516 Analytical Laboratory Instrument Manufacturing
        ({"naics": "analytical laboratory"}, ["laser", "withdrawn", "urgent"]),
        ({"naics": "Ship building"}, ["hull"]),  # 336611, any case
        ({"naics": "3366"}, ["hull"]),  # a prefix, as before
        # 6640 LABORATORY EQUIPMENT AND SUPPLIES; 4820 VALVES, NONPOWERED
        ({"psc": "laboratory equipment"}, ["laser", "withdrawn", "urgent"]),
        ({"psc": "valves"}, ["valves"]),
        ({"psc": "66"}, ["laser", "withdrawn", "urgent"]),  # a category, as before
    ],
)
def test_a_code_or_words_of_its_title(client, catalogue, params, expected):
    found = results(client.get(URL, params))
    assert set(found) == ids(*(getattr(catalogue, name) for name in expected))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"naics": "abc"}, "No NAICS industry matches “abc”."),
        ({"naics": "33x"}, "No NAICS industry matches “33x”."),
        ({"naics": "1234567"}, "Enter a NAICS code, its first 2–6 digits"),
        ({"naics": "1"}, "Enter a NAICS code, its first 2–6 digits"),
        ({"psc": "66-40"}, "No PSC product or service matches “66-40”."),
        ({"psc": "zzzq"}, "No PSC product or service matches “zzzq”."),
        ({"naics": "x" * 101}, "at most 100 characters"),
    ],
)
def test_bad_codes_and_unknown_words_are_a_400_on_the_field(client, catalogue, params, message):
    (name,) = params
    found = errors(client.get(URL, params))
    assert list(found) == [name]
    assert message in found[name][0]


def test_a_word_does_not_match_the_middle_of_a_word(client, catalogue):
    # "abc" is inside "Fabricated" (NAICS 33xxxx titles): not a match.
    assert "naics" in errors(client.get(URL, {"naics": "abc"}))
    assert results(client.get(URL, {"naics": "fabricated"})) is not None


def test_the_site_shows_the_message_and_finds_by_title(client, catalogue):
    html = client.get("/waivers/", {"naics": "abc"}).content.decode()
    assert "No NAICS industry matches “abc”." in html
    html = client.get("/waivers/", {"psc": "valves"}).content.decode()
    assert catalogue.valves.public_id in html
    assert catalogue.laser.public_id not in html
