"""Keyword search (waivers.search): web-search syntax, exact identifiers, ranking."""

import pytest

from tests.factories import WaiverFactory, agency, post
from waivers.models import Waiver
from waivers.search import search

pytestmark = pytest.mark.django_db


def found(text: str) -> list[str]:
    """Titles matching `text`, best first (as the list page orders relevance)."""
    results = search(Waiver.objects.public(), text).order_by("-rank", "id")
    return [waiver.procurement_title for waiver in results]


@pytest.fixture
def waivers():
    return {
        "clock": post(
            WaiverFactory(
                procurement_title="Atomic clock laser",
                summary="An optical frequency comb for the time standard.",
                rationale="Made only in Germany.",
                piids=["1333ND22PNB0777"],
                solicitation_id="1333ND22QNB0777",
            )
        ),
        "welding": post(
            WaiverFactory(
                procurement_title="Laser welding cell",
                summary="Robotic welding for ship hull plates.",
                rationale="No domestic integrator offers the cell.",
                contracting_agency=agency("1700"),
                funding_agency=agency("1700"),
                piids=["N0002422C5101"],
                solicitation_id="N00024-22-R-5101",
            )
        ),
        "valves": post(
            WaiverFactory(
                procurement_title="Bronze gate valves",
                summary="Valves for the welding shop cooling loop.",
                rationale="The laser-cut flanges are imported.",
                piids=["SPE7M122P0001"],
                solicitation_id="SPE7M122Q0042",
            )
        ),
    }


def test_single_word_matches_title_summary_and_rationale(waivers):
    assert set(found("laser")) == {"Atomic clock laser", "Laser welding cell", "Bronze gate valves"}


def test_english_stemming(waivers):
    assert found("welded") == ["Laser welding cell", "Bronze gate valves"]


def test_quoted_phrase_matches_words_in_order_only(waivers):
    assert found('"welding cell"') == ["Laser welding cell"]
    assert found('"cell welding"') == []


def test_minus_excludes_a_word(waivers):
    assert set(found("laser -welding")) == {"Atomic clock laser"}


def test_or_finds_either_word(waivers):
    assert set(found("comb or bronze")) == {"Atomic clock laser", "Bronze gate valves"}
    assert set(found("comb OR bronze")) == {"Atomic clock laser", "Bronze gate valves"}
    assert found("comb bronze") == []  # plain words must all match


def test_exact_piid_and_solicitation_id(waivers):
    assert found("N0002422C5101") == ["Laser welding cell"]
    assert found("n0002422c5101") == ["Laser welding cell"]  # case does not matter
    assert found("N00024-22-R-5101") == ["Laser welding cell"]
    assert found("SPE7M122Q0042") == ["Bronze gate valves"]
    assert found("1333ND22PNB0777") == ["Atomic clock laser"]


def test_exact_public_id(waivers):
    assert found(waivers["valves"].public_id) == ["Bronze gate valves"]


def test_naics_and_psc_codes_match(waivers):
    assert len(found("334516")) == 3
    assert len(found("6640")) == 3


def test_agency_names_and_reference_titles_are_searched(waivers):
    assert found("navy") == ["Laser welding cell"]
    assert len(found("Analytical Laboratory Instrument")) == 3  # the NAICS title


def test_title_matches_rank_above_rationale_matches(waivers):
    assert found("laser")[-1] == "Bronze gate valves"


def test_drafts_are_not_searched(waivers):
    WaiverFactory(procurement_title="Draft laser thing")
    assert "Draft laser thing" not in found("laser")


@pytest.mark.parametrize("text", ["", "   "])
def test_empty_text_leaves_the_queryset_unfiltered(waivers, text):
    assert search(Waiver.objects.public(), text).count() == 3


@pytest.mark.parametrize(
    "text",
    [
        '"',
        '"unterminated phrase',
        "-",
        "or",
        "&|!:*()<>",
        "'",
        "\\",
        "a" * 500,
    ],
)
def test_odd_input_never_raises(waivers, text):
    found(text)  # no exception from the database
