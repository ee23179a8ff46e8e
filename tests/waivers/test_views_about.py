"""/about/: what the data is, where it comes from, how fresh it is."""

import pytest

from tests import site_data
from tests.factories import WaiverFactory, post

pytestmark = pytest.mark.django_db


def test_about_explains_sources_exclusions_and_api(client):
    response = client.get("/about/")
    assert response.status_code == 200
    html = response.content.decode()
    for text in (
        "GSA/made-in-america-data",
        "Reference lists",
        "Drafts",
        "Government-only",
        'href="/api/"',
        "No waivers yet",
    ):
        assert text in html, text


def test_about_shows_the_latest_public_submission(client):
    post(WaiverFactory(), at=site_data.aware(2022, 6, 14, 9))
    site_data.test_record()  # submitted Feb 2022: older, and not public anyway
    # A draft is never submitted, so it cannot move the freshness date.
    site_data.draft()
    html = client.get("/about/").content.decode()
    assert "June 14, 2022, 9:00 AM EDT" in html


def test_about_runs_one_query(client, django_assert_max_num_queries):
    post(WaiverFactory())
    with django_assert_max_num_queries(1):
        client.get("/about/")
