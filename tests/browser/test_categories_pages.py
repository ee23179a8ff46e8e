"""The category pages and the agency scorecard in headless Chromium at
desktop (1280) and phone (375) width: axe-core clean, chart text at least
12 px when drawn on a phone, sort links that work without JavaScript."""

import pytest
from django.core.cache import cache

from tests import site_data
from tests.browser.conftest import axe_violations
from tests.factories import WaiverFactory, post
from waivers import snapshots

PAGES = [
    "/categories/",
    "/categories/?scheme=naics&level=4&period=all",
    "/categories/psc/66/",
    "/categories/naics/334516/",
    "/agencies/",
    "/agencies/?show=subtiers&sort=-median_days",
    "/agencies/department-of-commerce/",
]


@pytest.fixture
def waivers(transactional_db):
    record = site_data.every_type()
    record["open"] = post(WaiverFactory(procurement_title="Tunable laser for atomic clocks"))
    return record


@pytest.mark.parametrize("path", PAGES)
def test_axe_clean_on_desktop(page, waivers, path):
    assert page.goto(path).status == 200
    assert axe_violations(page) == []


@pytest.mark.parametrize("path", PAGES)
def test_axe_clean_on_a_phone(phone_page, waivers, path):
    assert phone_page.goto(path).status == 200
    assert axe_violations(phone_page) == []


def test_chart_text_is_at_least_12px_on_a_phone(phone_page, waivers):
    phone_page.goto("/categories/psc/66/")
    sizes = phone_page.eval_on_selector_all(
        "svg text", "nodes => nodes.map(n => n.getBoundingClientRect().height)"
    )
    assert sizes and min(sizes) >= 12


def test_scorecard_sorts_by_a_column_link(page, waivers):
    page.goto("/agencies/?show=subtiers")
    page.get_by_role("link", name="Agency (A–Z)").click()
    page.wait_for_url("**sort=name**")
    assert page.locator("th[aria-sort=ascending]").count() == 1


@pytest.mark.parametrize("path", ["/categories/psc/66/", "/agencies/"])
def test_figures_served_from_before_a_change_say_so_and_stay_axe_clean(
    page, phone_page, waivers, settings, path
):
    """waivers.snapshots: precomputed figures, then a change to the record."""
    settings.FIGURE_SNAPSHOT_MIN_WAIVERS = 1
    snapshots.refresh()
    post(WaiverFactory(procurement_title="Posted after the refresh"))
    cache.clear()
    for tab in (page, phone_page):
        assert tab.goto(path).status == 200
        assert tab.get_by_text("These figures were computed on").is_visible()
        assert axe_violations(tab) == []
