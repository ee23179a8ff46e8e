"""Keyword search (waivers.search): web-search syntax, exact identifiers, ranking."""

import pytest
from django.db.models import Q

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


# --- phrases and the word-pair index (decision 0026) ---------------------------------


@pytest.mark.parametrize(
    ("tsquery", "pairs"),
    [
        ("'weld' <-> 'cell'", ["weld cell"]),
        ("'a' <-> 'b' <-> 'c' & 'd'", ["a b", "b c"]),
        (
            "'cost-effect' <-> 'cost' <-> 'effect' <-> 'pump'",
            ["cost effect", "cost-effect cost", "effect pump"],
        ),
        ("'x' <-> 'y' & !'z' & 'u' <-> 'v'", ["u v", "x y"]),
        ("'weld' <-> 'cell' | 'comb'", []),  # either side may match: neither is required
        ("( 'a' | 'b' ) <-> 'c'", []),
        ("'a' <2> 'b'", []),  # a stop word between: not adjacent
        ("!( 'a' <-> 'b' )", []),
        ("'o''brien' <-> 'pump'", []),  # a quote inside a lexeme: left out, not guessed
        ("'weld' & 'cell'", []),
        ("", []),
    ],
)
def test_required_pairs_are_those_every_match_holds(tsquery, pairs):
    from waivers.search import required_pairs

    assert required_pairs(tsquery) == pairs


def test_word_pairs_are_the_adjacent_lexemes_of_a_vector(waivers):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT waiver_word_pairs(to_tsvector('english', 'Laser welding cell for the cell'))"
        )
        # "the" and "for" are stop words: their positions are empty, so no pair spans them.
        assert sorted(cursor.fetchone()[0]) == ["laser weld", "weld cell"]


PHRASE_QUERIES = [
    '"welding cell"',
    '"cell welding"',
    '"laser welding" cell',
    '"welding shop cooling loop"',
    "laser-cut flanges",
    '"laser-cut flanges"',
    '"optical frequency" or bronze',
    'laser -"welding cell"',
    '"atomic clock laser" "optical frequency comb"',
    '"for the time standard"',
    "N00024-22-R-5101",
    '"Made only in Germany"',
]


@pytest.mark.parametrize("text", PHRASE_QUERIES)
def test_the_word_pairs_never_change_what_a_phrase_matches(waivers, text):
    from waivers.search import exact_identifier_match, keyword_query

    plain = Waiver.objects.public().filter(
        Q(search_vector=keyword_query(text)) | exact_identifier_match(text)
    )
    assert set(found(text)) == {waiver.procurement_title for waiver in plain}


def test_a_phrase_requires_its_word_pairs_and_plain_words_do_not(waivers):
    phrase = str(search(Waiver.objects.public(), '"welding cell"').query)
    assert "waiver_word_pairs" in phrase and "weld cell" in phrase
    assert "waiver_word_pairs" not in str(search(Waiver.objects.public(), "welding cell").query)


def test_the_word_pairs_follow_an_edit(waivers):
    from waivers.search import refresh_search_vectors

    valves = waivers["valves"]
    Waiver.objects.filter(pk=valves.pk).update(procurement_title="Bronze welding cell")
    refresh_search_vectors([valves.pk])
    assert set(found('"welding cell"')) == {"Laser welding cell", "Bronze welding cell"}
