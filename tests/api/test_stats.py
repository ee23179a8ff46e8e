"""GET /api/v1/stats/: the stats page's aggregates, with the list's filters."""

import pytest

from waivers.models import Waiver
from waivers.selectors.stats import waiver_stats

pytestmark = pytest.mark.django_db


def test_stats_match_the_selector_over_the_public_set(client, catalogue):
    body = client.get("/api/v1/stats/").json()
    assert body["total"] == 5
    expected = waiver_stats(Waiver.objects.public())
    assert body["total"] == expected["total"]
    assert body["determinations"] == expected["determinations"]
    assert body["top_agencies"] == expected["top_agencies"]
    assert [m["month"] for m in body["per_month"]] == [m["month"] for m in expected["per_month"]]


def test_stats_follow_the_filters(client, catalogue):
    body = client.get("/api/v1/stats/", {"psc": "66", "q": "laser"}).json()
    assert body["total"] == 2
    decisions = {row["value"]: row["count"] for row in body["decisions"]}
    assert decisions["pending"] == 2
    assert body["top_psc_categories"][0]["prefix"] == "66"


def test_stats_never_count_drafts_or_test_records(client, catalogue):
    body = client.get("/api/v1/stats/", {"agency": "97AS"}).json()
    assert body["total"] == 1  # valves; DLA's test record is not counted
