"""Issue 17, the staff admin in a real browser: axe-core (WCAG 2.1 A/AA, no
rule or region excluded) at 1280 and 375 px on every admin page type (the
index and app index, each model's change list, add and change forms, the
history and delete pages, the type chooser and the add form of every type,
every transition, a response's outcome, the password change); and the fixes a
person sees (names of
the autocomplete and date/time boxes, the queue's first columns, no database
ids, one heading per section, buttons clear of the title)."""

import re

import pytest
from django.apps import apps
from django.urls import reverse

from tests import site_data
from tests.admin.test_url_walk import PATTERNS
from tests.browser.conftest import assert_no_policy_messages, axe_violations, policy_messages
from tests.factories import UserFactory, WaiverFactory, post
from waivers.models import Waiver
from waivers.workflow import TRANSITIONS

WIDTHS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 375, "height": 740}}
PASSWORD = "a long enough password"


@pytest.fixture
def records(transactional_db):
    record = site_data.every_type()
    record["queued"] = post(WaiverFactory(procurement_title="Queued for review"))
    record["in_review"] = post(WaiverFactory(), to=Waiver.Status.IN_REVIEW)
    record["draft"] = site_data.draft()
    record["reviewed"] = post(WaiverFactory(), to=Waiver.Status.REVIEWED)
    user = UserFactory(username="axe-root", is_staff=True, is_superuser=True)
    user.set_password(PASSWORD)
    user.save()
    # One object of each model with a change form of its own.
    from django.contrib.auth.models import Group
    from django.test import Client

    from agencies.models import AgencyMembership
    from responses.models import SupplierResponse
    from responses.services import confirm
    from tests.responses.helpers import form, respond_url

    Group.objects.create(name="Axe reviewers")
    AgencyMembership.objects.create(
        user=UserFactory(username="axe-submitter", is_staff=True),
        agency=record["queued"].contracting_agency,
        role=AgencyMembership.Role.values[0],
    )
    assert Client().post(respond_url(record["queued"]), form()).status_code == 302
    confirm(SupplierResponse.objects.get().pk)
    return record


# Admin pages a superuser is refused: lists nobody adds to (they are written
# only by the services), and the trail nobody edits.
REFUSED = {
    f"admin:{model}_add": 403
    for model in (
        "axes_accessattempt",
        "axes_accesslog",
        "axes_accessfailurelog",
        "agencies_senioraccountableofficial",  # an agency's SAO is set on its page
        "waivers_waiverauditentry",
        "waivers_reviewqueueitem",
        "responses_supplierresponse",  # manufacturers respond on the public site
    )
}
# Admin URLs that are not pages: a POST, a script, the autocomplete's JSON.
NOT_PAGES = {"admin:logout", "admin:jsi18n", "admin:autocomplete"}
# Apps whose every change form the records fixture gives an object to.
OUR_APPS = {"waivers", "agencies", "responses", "alerts", "auth"}


def _first(app_label: str, model_name: str):
    model = apps.get_model(app_label, model_name)
    return model._default_manager.order_by("pk").first()


def _admin_pages(record):
    """Every admin page type, found from the URL patterns (so a new model admin
    or admin page is crawled without editing this test): each model's change
    list, add and change forms; the history and delete pages (one template for
    every model, so once); each transition; the pages without parameters."""
    pages = {}
    shared_once = {"history": record[Waiver.Type.NONAVAILABILITY], "delete": record["draft"]}
    # The object to show where the first one in the table is not in that list.
    chosen = {"reviewqueueitem": record["queued"]}
    named = re.compile(r"admin:(?P<app>[a-z_]+?)_(?P<model>[a-z]+)_(?P<page>[a-z]+)$")
    for pattern in PATTERNS:
        name = pattern.view_name or ""
        if not name.startswith("admin:") or name in NOT_PAGES:
            continue
        match = named.match(name)
        if not pattern.parameters:
            pages[name] = reverse(name)
        elif pattern.parameters == ("app_label",):
            for app_label in ("waivers", "agencies", "responses", "alerts", "auth"):
                pages[f"{name} {app_label}"] = reverse(name, kwargs={"app_label": app_label})
        elif match and pattern.parameters == ("object_id",):
            page = match["page"]
            if page in shared_once:
                if shared_once[page]._meta.model_name == match["model"]:
                    pages[name] = reverse(name, args=[shared_once[page].pk])
                continue
            obj = chosen.get(match["model"]) or _first(match["app"], match["model"])
            if obj is None and match["app"] not in OUR_APPS:
                continue  # a library's log with nothing in it yet (axes)
            assert obj is not None, f"{name}: the records fixture has no {match['model']}"
            pages[name] = reverse(name, args=[obj.pk])
    for action in TRANSITIONS:
        waiver = next(w for w in _transition_waivers(record) if action in w[1])[0]
        pages[f"transition {action}"] = reverse(
            "admin:waivers_waiver_transition", args=[waiver.pk, action]
        )
    for value in Waiver.Type.values:
        pages[f"add {value}"] = f"/admin/waivers/waiver/add/?waiver_type={value}"
        pages[f"change {value}"] = reverse("admin:waivers_waiver_change", args=[record[value].pk])
    return pages


def _transition_waivers(record):
    from waivers.workflow import ACTIONS

    waivers = [record["draft"], record["queued"], record["in_review"], record["reviewed"]]
    return [
        (w, {a for a in TRANSITIONS if w.status in ACTIONS[a].allowed_from(superuser=True)})
        for w in waivers
    ]


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


# The crawl is cut in parts, so parallel test workers share it.
PARTS = 4


@pytest.mark.parametrize("part", range(PARTS))
def test_axe_finds_nothing_on_the_admin_pages(staff_page, records, part):
    pages = sorted(_admin_pages(records).items())
    found, refused = {}, {}
    for name, path in pages[part::PARTS]:
        response = staff_page.goto(path)
        if response.status != 200:
            refused[name] = response.status
            continue
        violations = _axe(staff_page)
        if violations:
            found[name] = violations
    assert found == {}
    # Only the pages no one may use answer otherwise (an add form of a
    # read-only list).
    assert refused == {name: REFUSED[name] for name, _ in pages[part::PARTS] if name in REFUSED}


def test_the_admin_crawl_finds_every_page_type(records):
    pages = _admin_pages(records)
    assert len(pages) > 60
    assert {
        "admin:index",
        "admin:password_change",
        "admin:waivers_waiver_changelist",
        "admin:responses_supplierresponse_outcome",
        "admin:agencies_agencymembership_change",
        "admin:waivers_waiver_history",
        "admin:waivers_waiver_delete",
        "transition record_final_decision",
    } <= set(pages)
    assert set(REFUSED) <= set(pages)


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
