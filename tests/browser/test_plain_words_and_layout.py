"""Issue 17 in a real browser: axe-core at desktop and phone widths in the
states a visitor opens (phone menu, banner, filter panel), keywords ranked by
relevance from the form, the phone navigation without JavaScript, and the
outcome in words."""

import os

import pytest

from tests import site_data
from tests.browser.conftest import assert_no_policy_messages, axe_violations, policy_messages
from tests.factories import WaiverFactory, post
from waivers.models import Waiver

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}
# Where screenshots go when SCREENSHOT_DIR is set (looked at by people, not asserted).
SCREENSHOT_DIR = os.environ.get("SCREENSHOT_DIR", "")


@pytest.fixture
def waivers(transactional_db):
    record = site_data.every_type()
    record["open"] = post(
        WaiverFactory(
            procurement_title="Tunable laser for atomic clocks",
            summary="A narrow-linewidth laser for the optical clock laboratory.",
            countries=["FR"],
        )
    )
    record["withdrawn"] = post(WaiverFactory(), to=Waiver.Status.WITHDRAWN)
    record["waived"] = post(WaiverFactory(), to=Waiver.Status.REVIEW_WAIVED)
    return record


@pytest.fixture(params=list(WIDTHS))
def sized_page(request, browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=WIDTHS[request.param],
        is_mobile=request.param == "phone",
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.width_name = request.param
    messages = policy_messages(page)
    yield page
    context.close()
    assert_no_policy_messages(messages)


def _shot(page, name):
    if SCREENSHOT_DIR:
        page.screenshot(path=f"{SCREENSHOT_DIR}/{name}-{page.width_name}.png", full_page=True)


PAGES = {
    "home": lambda w: "/",
    "search": lambda w: "/waivers/",
    "search-keywords": lambda w: "/waivers/?q=laser",
    "detail-open": lambda w: w["open"].get_absolute_url(),
    "detail-jones": lambda w: w[Waiver.Type.JONES_ACT].get_absolute_url(),
    "detail-cost": lambda w: w[Waiver.Type.UNREASONABLE_COST].get_absolute_url(),
    "detail-urgent": lambda w: w[Waiver.Type.URGENT_REPORT].get_absolute_url(),
    "stats": lambda w: "/stats/",
    "stats-filtered": lambda w: "/stats/?type=nonavailability&country=FR",
    "agencies": lambda w: "/agencies/",
    "api-guide": lambda w: "/api/",
    "api-reference": lambda w: "/api/docs/",
}


@pytest.mark.parametrize("name", PAGES)
def test_axe_finds_nothing_at_both_widths(sized_page, waivers, name):
    response = sized_page.goto(PAGES[name](waivers))
    assert response.status == 200
    _shot(sized_page, name)
    assert axe_violations(sized_page) == []


def test_the_stats_filters_sit_under_the_keywords_in_columns(sized_page, waivers):
    """The search's controls on /stats/ start at the form's left edge (a
    floated keyword box once pushed them into half the width)."""
    page = sized_page
    page.goto("/stats/?type=nonavailability")
    form = page.locator(".site-stats-filters__form").bounding_box()
    first = page.locator("#facet-type").bounding_box()
    second = page.locator("#facet-status").bounding_box()
    assert abs(first["x"] - form["x"]) < 1
    if page.width_name == "desktop":  # side by side
        assert second["x"] > first["x"] + first["width"] and abs(second["y"] - first["y"]) < 1
    else:  # one under the other
        assert abs(second["x"] - first["x"]) < 1 and second["y"] > first["y"]


def _every_other_page(waivers) -> dict[str, str]:
    """The remaining public page types, with the links a visitor gets by email
    (alert and response confirmations, unsubscribe, manage)."""
    from django.test import Client

    from alerts import services as alerts
    from alerts import tokens as alert_links
    from alerts.models import Subscription
    from responses import tokens as response_links
    from responses.models import SupplierResponse
    from tests.responses.helpers import form, respond_url

    waiver = waivers["open"]
    alerts.request_follow(
        email="watch@example.org",
        target=alerts.Target.search("psc=6640"),
        frequency=Subscription.Frequency.DAILY,
    )
    subscription = Subscription.objects.get()
    subscriber = subscription.subscriber_id
    assert Client().post(respond_url(waiver), form()).status_code == 302
    response = SupplierResponse.objects.get()
    return {
        "about": "/about/",
        "categories": "/categories/",
        "categories-naics": "/categories/?scheme=naics&level=6",
        "category-psc": f"/categories/psc/{waiver.psc_id[:2]}/",
        "category-naics": f"/categories/naics/{waiver.naics_id}/",
        "agency": waiver.contracting_agency.get_absolute_url(),
        "ending-soon": "/waivers/ending-soon/",
        "follow-search": "/alerts/follow/?psc=6640",
        "follow-waiver": f"/alerts/follow/waiver/{waiver.public_id}/",
        "alerts-check-email": "/alerts/check-your-email/",
        "alerts-confirm": f"/alerts/confirm/{alert_links.make('confirm', subscription.pk)}/",
        "alerts-manage-request": "/alerts/manage/",
        "alerts-manage-sent": "/alerts/manage/sent/",
        "alerts-manage": f"/alerts/manage/{alert_links.make('manage', subscriber)}/",
        "alerts-unsubscribe": (
            f"/alerts/unsubscribe/{alert_links.make('unsubscribe', subscription.pk)}/"
        ),
        "respond": respond_url(waiver),
        "responses-check-email": "/responses/check-your-email/",
        "responses-confirm": f"/responses/confirm/{response_links.make('confirm', response.pk)}/",
        "not-found": "/waivers/MIA-NOTFOUND/",
    }


def test_axe_finds_nothing_on_every_other_public_page_at_both_widths(sized_page, waivers):
    """Each public page type beyond PAGES, in one visit per width."""
    for name, path in _every_other_page(waivers).items():
        response = sized_page.goto(path)
        assert response.status == (404 if name == "not-found" else 200), name
        _shot(sized_page, name)
        assert (name, axe_violations(sized_page)) == (name, [])


def test_axe_finds_nothing_in_opened_states_on_a_phone(sized_page, waivers):
    page = sized_page
    page.goto("/waivers/")
    if page.width_name == "phone":
        page.get_by_text("Filters", exact=True).first.click()
        assert page.get_by_role("button", name="Apply filters").is_visible()
        _shot(page, "search-filters-open")
        assert axe_violations(page) == []
        page.get_by_role("button", name="Menu").click()
        assert page.get_by_role("link", name="Statistics").is_visible()
        assert axe_violations(page) == []
        page.get_by_role("button", name="Close").click()
    page.get_by_role("button", name="Here’s how you know").click()
    assert axe_violations(page) == []


def test_axe_finds_nothing_in_the_api_reference_with_an_operation_opened(sized_page, waivers):
    page = sized_page
    page.goto("/api/docs/")
    operation = page.locator("#get-api-v1-waivers")
    operation.locator("summary").click()
    assert operation.get_by_role("heading", name="Parameters").is_visible()
    assert operation.get_by_text("An unknown code is a 400.").is_visible()
    _shot(page, "api-reference-opened")
    assert axe_violations(page) == []
    # Everything opened at once (every operation and schema) too.
    page.evaluate("() => document.querySelectorAll('details').forEach(d => { d.open = true; })")
    assert axe_violations(page) == []
    # A schema link leads to that schema.
    operation.get_by_role("link", name="PaginatedWaiverList").first.click()
    page.wait_for_url("**#schema-PaginatedWaiverList")


# The size, in CSS pixels, at which each chart's text is drawn: its font
# size in picture units times the picture's rendered width over its viewBox.
CHART_TEXT_SIZES = """() => [...document.querySelectorAll('svg.site-svg')].map(svg => {
    const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    return parseFloat(svg.querySelector('g').getAttribute('font-size')) * scale;
})"""


def test_chart_text_is_at_least_12_px_and_table_columns_are_not_clipped(sized_page, waivers):
    page = sized_page
    page.goto("/stats/")
    sizes = page.evaluate(CHART_TEXT_SIZES)
    assert len(sizes) == 6
    assert min(sizes) >= 12, sizes
    # The PSC table's count column is inside its container (not clipped).
    table = page.get_by_role(
        "table", name="PSC categories (first two characters) with the most waivers"
    )
    container = table.locator("xpath=..").bounding_box()
    count = table.locator("thead th").last.bounding_box()
    if page.width_name == "desktop":
        assert count["x"] + count["width"] <= container["x"] + container["width"] + 1
    _shot(page, "stats")


def test_results_come_before_the_filters_on_a_phone(phone_page, waivers):
    phone_page.goto("/waivers/")
    first_result = phone_page.locator(".site-result").first.bounding_box()
    assert first_result["y"] < 740 * 2  # within the first two screens
    assert not phone_page.get_by_role("button", name="Apply filters").is_visible()


def test_filters_are_shown_beside_the_results_on_a_desktop(page, waivers):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/waivers/")
    assert page.get_by_role("group", name="Waiver type").is_visible()
    # The Apply button is in view without scrolling to the end of the filters.
    box = page.get_by_role("button", name="Apply filters").bounding_box()
    assert 0 <= box["y"] <= 900


def test_keywords_typed_on_the_search_page_rank_by_relevance(page, waivers):
    page.goto("/waivers/")
    page.locator("#search-q").fill("laser")
    page.locator("#search-q").press("Enter")
    page.wait_for_url("**/waivers/?q=laser")  # no sort, no empty parameters
    assert page.locator("#search-sort option:checked").inner_text() == "Relevance"
    assert page.locator(".site-result__snippet mark").first.inner_text().lower() == "laser"


def test_empty_fields_stay_out_of_the_address_without_javascript(browser, live_server, waivers):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/waivers/")
        page.locator("#search-q").fill("laser")
        page.locator("#search-q").press("Enter")
        page.wait_for_url("**/waivers/?q=laser")
        assert page.locator("#search-sort option:checked").inner_text() == "Relevance"
    finally:
        context.close()


def test_the_navigation_is_reachable_without_javascript_on_a_phone(browser, live_server, waivers):
    context = browser.new_context(
        base_url=live_server.url,
        java_script_enabled=False,
        viewport=WIDTHS["phone"],
        is_mobile=True,
    )
    try:
        page = context.new_page()
        page.goto("/")
        for label in ("Search waivers", "Agencies", "Statistics", "API", "About"):
            link = page.get_by_role("navigation", name="Primary navigation").get_by_role(
                "link", name=label, exact=True
            )
            assert link.is_visible(), label
        assert not page.get_by_role("button", name="Menu").is_visible()
        page.get_by_role("navigation", name="Primary navigation").get_by_role(
            "link", name="Statistics", exact=True
        ).click()
        page.wait_for_url("**/stats/")
        if SCREENSHOT_DIR:
            page.screenshot(path=f"{SCREENSHOT_DIR}/home-nojs-phone.png")
    finally:
        context.close()


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("open", "Under MIAO review (due "),
        (Waiver.Type.NONAVAILABILITY, "Granted"),
        (Waiver.Type.JONES_ACT, "Granted"),
        (Waiver.Type.URGENT_REPORT, "No determination published"),
        ("withdrawn", "Withdrawn"),
        ("waived", "Awaiting the agency's decision"),
    ],
)
def test_each_status_reads_as_an_outcome_in_words(page, waivers, key, words):
    waiver = waivers[key]
    page.goto(waiver.get_absolute_url())
    assert page.locator(".site-outcome").first.inner_text().startswith(words)
    facts = page.get_by_role("region", name="Key facts")
    assert words in facts.inner_text()
    page.goto(f"/waivers/?q={waiver.public_id}")
    assert page.locator(".site-result .site-outcome").first.inner_text().startswith(words)
