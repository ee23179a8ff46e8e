"""/waivers/feed/: an Atom feed of a search, newest posted first."""

import xml.etree.ElementTree as ET

import pytest

from tests.factories import WaiverFactory, post
from tests.waivers.search_catalogue import (
    DRAFT_TITLE,
    SECRET,
    TEST_RECORD_TITLE,
    build_catalogue,
    bulk_waivers,
)

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def catalogue():
    return build_catalogue()


def entries(response) -> list[ET.Element]:
    assert response.status_code == 200
    return ET.fromstring(response.content).findall(f"{ATOM}entry")  # noqa: S314 - our own feed


def entry_links(response) -> list[str]:
    return [entry.find(f"{ATOM}link").get("href") for entry in entries(response)]


def url(waiver) -> str:
    return f"http://testserver/waivers/{waiver.public_id}/"


def test_is_atom_newest_posted_first(client, catalogue):
    response = client.get("/waivers/feed/")
    assert response["Content-Type"].startswith("application/atom+xml")
    assert entry_links(response) == [
        url(w)
        for w in (
            catalogue.withdrawn,
            catalogue.hull,
            catalogue.valves,
            catalogue.laser,
            catalogue.urgent,
        )
    ]


def test_entry_content(client, catalogue):
    response = client.get("/waivers/feed/", {"q": catalogue.laser.public_id})
    (entry,) = entries(response)
    assert entry.find(f"{ATOM}title").text == (
        f"Tunable laser system for atomic clocks ({catalogue.laser.public_id})"
    )
    assert entry.find(f"{ATOM}published").text.startswith("2022-01-10T")
    assert entry.find(f"{ATOM}author/{ATOM}name").text == (
        "National Institute of Standards and Technology"
    )
    summary = entry.find(f"{ATOM}summary").text
    assert "Nonavailability waiver" in summary and "PSC 6640" in summary
    categories = {c.get("term") for c in entry.findall(f"{ATOM}category")}
    assert {"Nonavailability", "Submitted", "PSC 6640", "NAICS 334516"} <= categories


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"psc": "66"}, ["withdrawn", "laser", "urgent"]),
        ({"agency": "097"}, ["hull", "valves"]),
        ({"type": "public_interest"}, ["valves"]),
        ({"q": "laser"}, ["laser", "urgent"]),  # newest first, not by relevance
        # sort is ignored; the urgent report, filed after award, is never open for review
        ({"open": "true", "sort": "oldest"}, ["laser"]),
    ],
)
def test_honours_the_search_filters(client, catalogue, params, expected):
    response = client.get("/waivers/feed/", params)
    assert entry_links(response) == [url(getattr(catalogue, name)) for name in expected]


def test_feed_title_and_links_describe_the_search(client, catalogue):
    response = client.get("/waivers/feed/", {"psc": "66", "page": "3"})
    root = ET.fromstring(response.content)  # noqa: S314 - our own feed
    assert root.find(f"{ATOM}title").text == "Made in America waivers: PSC 66…"
    links = {link.get("rel"): link.get("href") for link in root.findall(f"{ATOM}link")}
    assert links["alternate"] == "http://testserver/waivers/?psc=66"
    assert links["self"] == "http://testserver/waivers/feed/?psc=66"


def test_holds_the_fifty_newest(client):
    waivers = bulk_waivers(55)
    links = entry_links(client.get("/waivers/feed/"))
    assert links == [url(w) for w in reversed(waivers)][:50]


def test_drafts_test_records_and_internal_fields_never_appear(client, catalogue):
    text = client.get("/waivers/feed/").content.decode()
    for hidden in (
        DRAFT_TITLE,
        TEST_RECORD_TITLE,
        SECRET,
        catalogue.draft.public_id,
        catalogue.test_record.public_id,
    ):
        assert hidden not in text
    assert entries(client.get("/waivers/feed/", {"q": "zeppelin"})) == []


def test_bad_parameters_give_400_not_500(client, catalogue):
    response = client.get("/waivers/feed/", {"psc": "!!", "agency": "ZZZZ"})
    assert response.status_code == 400


def test_bad_parameters_are_named_in_plain_text_and_log_no_traceback(client, caplog):
    response = client.get("/waivers/feed/", {"psc": "!!"})
    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert "psc: No PSC product or service matches “!!”. Enter a PSC code or category" in (
        response.content.decode()
    )
    # Anyone can send these: each may log a line, never a traceback.
    assert not [record for record in caplog.records if record.exc_info]


def test_query_count_does_not_grow(client, django_assert_max_num_queries):
    bulk_waivers(5)
    with django_assert_max_num_queries(4) as small:
        client.get("/waivers/feed/", {"agency": "013"})
    bulk_waivers(55, start="2024-01-01")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(entries(client.get("/waivers/feed/", {"agency": "013"}))) == 50


def test_list_page_links_to_the_feed(client, catalogue):
    html = client.get("/waivers/", {"psc": "66"}).content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'title="Waivers matching this search (Atom)" href="/waivers/feed/?psc=66">'
    ) in html
    assert 'href="/waivers/feed/?psc=66">Follow this search (Atom feed)</a>' in html


def test_titles_and_summaries_are_plain_text_never_markup(client):
    """A feed reader shows stored text as text: the summary is declared
    `type="text"` (it was declared html while holding plain text escaped
    once, so a reader rendered the stored markup)."""
    markup = '"><img src=x onerror=alert(2)>'
    waiver = post(WaiverFactory(procurement_title=markup, summary=f"Summary {markup}"))
    (entry,) = entries(client.get("/waivers/feed/"))
    title, summary = entry.find(f"{ATOM}title"), entry.find(f"{ATOM}summary")
    assert title.get("type", "text") == "text"
    assert title.text == f"{markup} ({waiver.public_id})"
    assert summary.get("type") == "text"
    assert summary.text.endswith(f"Summary {markup}")
