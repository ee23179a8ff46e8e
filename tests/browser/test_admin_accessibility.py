"""Issue 17, the staff admin in a real browser: axe-core (WCAG 2.1 A/AA, no
rule or region excluded) at 1280 and 375 px on the change list, the type
chooser, the add form of every type, change forms, the review queue, a
waiver's history and a transition page; and the fixes a person sees (names of
the autocomplete and date/time boxes, the queue's first columns, no database
ids, one heading per section, buttons clear of the title)."""

import pytest

from tests import site_data
from tests.browser.conftest import assert_no_policy_messages, axe_violations, policy_messages
from tests.factories import UserFactory, WaiverFactory, post
from waivers.models import Waiver

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}
PASSWORD = "a long enough password"


@pytest.fixture
def records(transactional_db):
    record = site_data.every_type()
    record["queued"] = post(WaiverFactory(procurement_title="Queued for review"))
    record["in_review"] = post(WaiverFactory(), to=Waiver.Status.IN_REVIEW)
    record["draft"] = site_data.draft()
    user = UserFactory(username="axe-root", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    return record


def _admin_pages(record):
    change = "/admin/waivers/waiver/{}/change/"
    pages = {
        "change list": "/admin/waivers/waiver/",
        "type chooser": "/admin/waivers/waiver/add/",
        "review queue": "/admin/waivers/reviewqueueitem/",
        "audit trail": "/admin/waivers/waiverauditentry/",
        "history": f"/admin/waivers/waiver/{record[Waiver.Type.NONAVAILABILITY].pk}/history/",
        "draft": change.format(record["draft"].pk),
        "record determination": (
            f"/admin/waivers/waiver/{record['in_review'].pk}/transition/record_determination/"
        ),
    }
    for value in Waiver.Type.values:
        pages[f"add {value}"] = f"/admin/waivers/waiver/add/?waiver_type={value}"
        pages[f"change {value}"] = change.format(record[value].pk)
    return pages


def _log_in(page):
    page.goto("/admin/login/")
    page.fill("#id_username", "axe-root")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")


@pytest.fixture(params=list(WIDTHS))
def staff_page(request, browser, live_server, records):
    context = browser.new_context(base_url=live_server.url, viewport=WIDTHS[request.param])
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.messages = policy_messages(page)
    _log_in(page)
    yield page
    context.close()
    assert_no_policy_messages(page.messages)


def _axe(page) -> list[dict]:
    """axe_violations, keeping the policy guard for the page itself: to read
    style sheets, axe copies Django's forms.css @import (widgets.css) into a
    <style> element of its own, which the policy rightly refuses. That one
    refusal, made by the test tool while it runs, is not the page's."""
    before = len(page.messages)
    found = axe_violations(page)
    page.wait_for_timeout(100)
    during = page.messages[before:]
    if all("Applying inline style" in message for message in during):
        del page.messages[before:]
    return found


def test_axe_finds_nothing_on_the_admin_pages(staff_page, records):
    found = {}
    for name, path in _admin_pages(records).items():
        response = staff_page.goto(path)
        assert response.status == 200, name
        violations = _axe(staff_page)
        if violations:
            found[name] = violations
    assert found == {}


def test_autocomplete_and_date_boxes_have_names(staff_page, records):
    page = staff_page
    page.goto("/admin/waivers/waiver/add/?waiver_type=jones_act")
    for label in ("Contracting agency", "Funding agency", "NAICS code", "PSC code"):
        assert page.get_by_role("combobox", name=label).count() == 1, label
    assert page.get_by_role("textbox", name="Received at: Date", exact=True).count() == 1
    assert page.get_by_role("textbox", name="Received at: Time", exact=True).count() == 1


def test_the_determination_choice_is_a_group_with_a_legend(staff_page, records):
    page = staff_page
    page.goto(f"/admin/waivers/waiver/{records['in_review'].pk}/transition/record_determination/")
    group = page.get_by_role("group", name="Determination")
    assert group.get_by_role("radio").count() == len(Waiver.Determination.choices)


def test_the_review_queue_starts_with_the_due_date_and_days_left(staff_page, records):
    page = staff_page
    page.goto("/admin/waivers/reviewqueueitem/")
    headers = page.locator("#result_list thead th").all_inner_texts()
    assert [h.strip().lower() for h in headers[:2]] == ["review due date", "business days left"]
    if page.viewport_size["width"] == 1280:
        box = page.locator("#result_list thead th").nth(1).bounding_box()
        assert box["x"] + box["width"] <= 1280


def test_the_waiver_page_shows_no_ids_no_repeated_headings_no_overlap(staff_page, records):
    page = staff_page
    waiver = records[Waiver.Type.NONAVAILABILITY]
    page.goto(f"/admin/waivers/waiver/{waiver.pk}/change/")
    history = page.locator("#status_changes-group").inner_text()
    assert f"{waiver.pk}:" not in history
    assert "Submitted" in history
    headings = page.locator("h2, h3").all_inner_texts()
    assert not [h for h in headings if "information for" in h.lower()]
    assert page.get_by_role("heading", name="Government-only information").count() == 1
    title = page.locator("#content h2").first.bounding_box()
    for button in page.locator(".object-tools a").all():
        box = button.bounding_box()
        overlaps = not (
            box["y"] >= title["y"] + title["height"]
            or box["y"] + box["height"] <= title["y"]
            or box["x"] >= title["x"] + title["width"]
            or box["x"] + box["width"] <= title["x"]
        )
        assert not overlaps, button.inner_text()


def test_the_type_chooser_explains_each_type(staff_page, records):
    page = staff_page
    page.goto("/admin/waivers/waiver/add/")
    for _value, label in Waiver.Type.choices:
        link = page.get_by_role("link", name=label, exact=True)
        description = link.get_attribute("aria-describedby")
        assert len(page.locator(f"#{description}").inner_text().split()) > 8
