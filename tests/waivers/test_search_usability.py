"""/waivers/ as a newcomer uses it: keywords ranked by relevance wherever they
are typed, addresses without empty parameters, agencies by name, the matched
words shown."""

import pytest

from tests.waivers.search_catalogue import build_catalogue
from waivers.models import Waiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    return build_catalogue()


def test_empty_parameters_are_dropped_by_a_redirect(client, catalogue):
    response = client.get(
        "/waivers/?q=laser&naics=&psc=&sort=&submitted_after=&type=nonavailability&type="
    )
    assert response.status_code == 302
    assert response["Location"] == "/waivers/?q=laser&type=nonavailability"


def test_a_search_without_empty_parameters_is_not_redirected(client, catalogue):
    assert client.get("/waivers/?q=laser").status_code == 200
    assert client.get("/waivers/").status_code == 200


def test_stats_and_agency_pages_drop_empty_parameters_too(client, catalogue):
    assert client.get("/stats/?q=&type=jones_act")["Location"] == "/stats/?type=jones_act"
    slug = catalogue.laser.contracting_agency.slug
    assert client.get(f"/agencies/{slug}/?q=")["Location"] == f"/agencies/{slug}/"


def test_the_default_order_is_sent_as_an_empty_value(client, catalogue):
    """The form's default sort leaves `sort` out of the URL, so keywords typed
    after a search without any are ranked by relevance."""
    options = client.get("/waivers/").context["result"].sort_options
    assert options[0] == {"value": "", "label": "Newest first", "selected": True}
    assert "relevance" not in [option["value"] for option in options]
    options = client.get("/waivers/", {"q": "laser"}).context["result"].sort_options
    assert options[0] == {"value": "", "label": "Relevance", "selected": True}
    assert {"value": "newest", "label": "Newest first", "selected": False} in options


def test_keywords_typed_with_the_default_sort_rank_by_relevance(client, catalogue):
    response = client.get("/waivers/", {"q": "laser", "sort": ""}, follow=True)
    assert response.redirect_chain == [("/waivers/?q=laser", 302)]
    assert response.context["result"].sort == "relevance"


def test_an_agency_can_be_named_instead_of_coded(client, catalogue):
    agency = catalogue.laser.contracting_agency
    by_code = client.get("/waivers/", {"agency": agency.code}).context["result"]
    by_name = client.get("/waivers/", {"agency": agency.name}).context["result"]
    assert by_name.problems == []
    assert by_name.page.paginator.count == by_code.page.paginator.count > 0


def test_an_ambiguous_agency_name_is_a_message_naming_the_candidates(client, catalogue):
    result = client.get("/waivers/", {"agency": "Department"}).context["result"]
    (problem,) = result.problems
    assert problem.param == "agency"
    assert "names several agencies" in problem.message


def test_keyword_results_show_the_matched_words_highlighted(client, catalogue):
    response = client.get("/waivers/", {"q": "laser"})
    body = response.content.decode()
    assert "<mark>" in body
    assert 'class="site-result__snippet"' in body


def test_result_rows_state_the_outcome_in_words(client, catalogue):
    body = client.get("/waivers/").content.decode()
    for waiver in Waiver.objects.public():
        assert waiver.outcome.replace("'", "&#x27;") in body
