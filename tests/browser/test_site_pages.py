"""The public pages in real headless Chromium: navigation, keyboard use,
phone width, and an axe-core (WCAG 2.1 A/AA) scan of every page type."""

import pytest

from tests import site_data
from tests.browser.conftest import axe_violations
from tests.factories import WaiverFactory, post
from waivers.models import Waiver


@pytest.fixture
def waivers(transactional_db):
    """One public waiver of each type plus one more under review."""
    record = site_data.every_type()
    record["open"] = post(WaiverFactory(procurement_title="Tunable laser for atomic clocks"))
    return record


def page_url(name: str, record: dict) -> str:
    if name.startswith("detail:"):
        return record[name.split(":", 1)[1]].get_absolute_url()
    if name == "agency":
        return f"/agencies/{record['open'].contracting_agency.slug}/"
    return {
        "home": "/",
        "list": "/waivers/",
        "list-empty": "/waivers/?q=zzzzqqq",
        "stats": "/stats/",
        "about": "/about/",
        "not-found": "/waivers/MIA-00000000/",
    }[name]


AXE_PAGES = [
    "home",
    "list",
    "list-empty",
    *(f"detail:{waiver_type}" for waiver_type in Waiver.Type.values),
    "agency",
    "stats",
    "about",
    "not-found",
]


@pytest.mark.parametrize("name", AXE_PAGES)
def test_axe_finds_no_violations(page, waivers, name):
    response = page.goto(page_url(name, waivers))
    assert response.status == (404 if name == "not-found" else 200)
    assert axe_violations(page) == []


def test_open_a_waiver_from_the_home_page_and_come_back(page, waivers):
    page.goto("/")
    target = waivers["open"]
    page.get_by_role("link", name=target.procurement_title).click()
    page.wait_for_url(f"**{target.get_absolute_url()}")
    assert page.get_by_role("heading", level=1).inner_text() == target.procurement_title
    assert page.get_by_text("15 business days left").first.is_visible()
    page.go_back()
    page.wait_for_url(lambda url: url.endswith("/"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Every proposed waiver")


def test_keyboard_reaches_the_skip_link_and_the_search_box(page, waivers):
    page.goto("/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.className")
    assert "usa-skipnav" in focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main-content"
    assert page.evaluate("document.activeElement.id") == "main-content"
    # From the main content, Tab reaches the home page's search box.
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "home-search-field":
            break
    else:
        pytest.fail("Tab never reached the search box")
    page.keyboard.type("laser")
    page.keyboard.press("Enter")
    page.wait_for_url("**/waivers/?q=laser")


@pytest.mark.parametrize(
    "name",
    [
        "home",
        "detail:nonavailability",
        "detail:unreasonable_cost",
        "detail:jones_act",
        "stats",
        "about",
    ],
)
def test_phone_width_has_no_horizontal_scroll(phone_page, waivers, name):
    phone_page.goto(page_url(name, waivers))
    # Mobile emulation widens window.innerWidth to fit overflowing content, so
    # compare with the layout viewport (clientWidth) and the device width.
    widths = phone_page.evaluate(
        "({page: document.documentElement.scrollWidth,"
        " viewport: document.documentElement.clientWidth})"
    )
    assert widths["viewport"] == 375
    assert widths["page"] <= 375, widths


def test_stats_charts_render_without_javascript(browser, live_server, waivers):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/stats/")
        charts = page.locator('.site-chart svg[role="img"]')
        assert charts.count() == 6
        # A data table for each chart, and the two tables of supplier responses.
        assert page.locator("table").count() == 8
    finally:
        context.close()
