"""/ : what the site is, headline counts, waivers under review, latest decisions."""

import pytest

from tests import site_data
from tests.factories import WaiverFactory, post
from tests.waivers.test_views_detail import SECRETS
from waivers.models import Waiver

pytestmark = pytest.mark.django_db


def home(client) -> str:
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def count(number: int, label: str) -> str:
    return (
        f'<span class="site-counts__number">{number}</span> '
        f'<span class="site-counts__label">{label}'
    )


def test_home_explains_the_site_and_offers_a_search_box(client):
    html = home(client)
    assert "Executive Order 14005" in html
    assert 'role="search" method="get" action="/waivers/">' in html
    assert 'id="home-search-field" type="search" name="q"' in html


def test_headline_counts_cover_only_public_waivers(client):
    site_data.every_type()  # decided, submitted (price), withdrawn, urgent report, reviewed
    post(WaiverFactory())  # another one under review
    site_data.draft()
    site_data.test_record()
    counts = section(home(client), "counts-heading")
    assert count(6, "public waivers") in counts
    # Under review: the price-preference waiver and the one above; urgent reports have no review.
    assert count(2, "under review now") in counts
    assert count(2, "with an OMB determination") in counts
    assert count(1, "granted") in counts
    assert count(1, "withdrawn") in counts


def test_under_review_lists_open_waivers_with_business_days_left(client):
    open_waiver = post(WaiverFactory(procurement_title="Open laser waiver"))
    decided = site_data.nonavailability(procurement_title="Decided laser waiver")
    report = site_data.urgent_report()
    review = section(home(client), "review-heading")
    assert open_waiver.procurement_title in review
    assert open_waiver.get_absolute_url() in review
    assert "15 business days left" in review
    assert decided.procurement_title not in review
    assert report.procurement_title not in review


def test_latest_decisions_lists_determined_and_decided_waivers(client):
    decided = site_data.nonavailability(procurement_title="Decided laser waiver")
    reviewed = site_data.jones_act()
    open_waiver = post(WaiverFactory(procurement_title="Open laser waiver"))
    decisions = section(home(client), "decisions-heading")
    assert decided.procurement_title in decisions
    assert reviewed.procurement_title in decisions
    assert open_waiver.procurement_title not in decisions
    # The outcome in words and MIAO's finding in a sentence (waivers.outcomes).
    assert "Granted" in decisions
    assert "MIAO found the waiver conditionally consistent with policy." in decisions
    # The later event first: the Jones Act review (Sept 2022) before the March decision.
    assert decisions.index(reviewed.procurement_title) < decisions.index(decided.procurement_title)


def test_drafts_test_records_and_secrets_never_appear(client):
    site_data.every_type()
    site_data.draft()
    site_data.test_record()
    html = home(client)
    assert "DRAFT-never-public-title" not in html
    assert "TESTRECORD-never-public-title" not in html
    for secret in SECRETS:
        assert secret not in html


def test_empty_record_says_so(client):
    html = home(client)
    assert "No waiver is under review right now." in html
    assert "No decisions have been published yet." in html


def test_home_runs_a_fixed_number_of_queries(client, django_assert_max_num_queries):
    for _ in range(12):
        post(WaiverFactory())
    for _ in range(10):
        post(WaiverFactory(), to=Waiver.Status.DECIDED)
    with django_assert_max_num_queries(4):  # the data version, then three lists
        home(client)


def test_counts_and_decisions_are_cached_until_the_next_write(
    committed_db, client, django_assert_num_queries
):
    post(WaiverFactory(), to=Waiver.Status.DECIDED)
    assert count(1, "public waivers") in home(client)
    with django_assert_num_queries(2):  # the data version and the open reviews
        home(client)
    post(WaiverFactory(procurement_title="Newly decided waiver"), to=Waiver.Status.DECIDED)
    html = home(client)
    assert count(2, "public waivers") in section(html, "counts-heading")
    assert "Newly decided waiver" in section(html, "decisions-heading")
