"""The reviewers' queue: open waivers by review due date, overdue flagged,
filters by agency and type."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.admin.conftest import AGENCY_A, AGENCY_B, make_draft
from tests.factories import agency, post
from waivers import services
from waivers.models import Waiver

pytestmark = pytest.mark.django_db
QUEUE = "/admin/waivers/reviewqueueitem/"


@pytest.fixture
def queue_waivers(db):
    now = timezone.now()
    old = post(
        make_draft(contracting_agency=agency(AGENCY_A), procurement_title="Old"),
        at=now - dt.timedelta(days=40),
    )
    recent = post(
        make_draft(
            contracting_agency=agency(AGENCY_B),
            procurement_title="Recent",
            waiver_type="public_interest",
        ),
        at=now,
    )
    reviewing = post(
        make_draft(contracting_agency=agency(AGENCY_A), procurement_title="Mid"),
        to="in_review",
        at=now - dt.timedelta(days=5),
    )
    done = post(
        make_draft(contracting_agency=agency(AGENCY_A), procurement_title="Done"), to="reviewed"
    )
    draft = make_draft(contracting_agency=agency(AGENCY_A), procurement_title="Draft")
    test_record = post(
        make_draft(contracting_agency=agency(AGENCY_A), procurement_title="asdf"),
        at=now - dt.timedelta(days=50),
    )
    # As the importer flags obvious test data.
    Waiver.objects.filter(pk=test_record.pk).update(is_test_record=True)
    return {
        "old": old,
        "recent": recent,
        "reviewing": reviewing,
        "done": done,
        "draft": draft,
        "test_record": test_record,
    }


def titles(response):
    return [w.procurement_title for w in response.context["cl"].result_list]


def test_queue_lists_open_waivers_soonest_due_first(client, rita, queue_waivers):
    client.force_login(rita)
    response = client.get(QUEUE)
    assert titles(response) == ["Old", "Mid", "Recent"]
    assert queue_waivers["old"].business_days_left() < 0


def test_overdue_waivers_are_flagged_and_filterable(client, rita, queue_waivers):
    client.force_login(rita)
    page = client.get(QUEUE).content.decode()
    assert page.count('alt="True"') == 1  # only "Old" is overdue
    assert titles(client.get(QUEUE, {"overdue": "yes"})) == ["Old"]
    assert titles(client.get(QUEUE, {"overdue": "no"})) == ["Mid", "Recent"]


def test_queue_filters_by_agency_and_type(client, rita, queue_waivers):
    client.force_login(rita)
    assert titles(client.get(QUEUE, {"agency": AGENCY_B})) == ["Recent"]
    assert titles(client.get(QUEUE, {"agency": "013"})) == ["Old", "Mid"]  # department
    assert titles(client.get(QUEUE, {"waiver_type__exact": "public_interest"})) == ["Recent"]


def test_queue_rows_link_to_the_waiver_and_leave_the_queue_when_reviewed(
    client, rita, queue_waivers
):
    client.force_login(rita)
    page = client.get(QUEUE).content.decode()
    assert f"/admin/waivers/waiver/{queue_waivers['old'].pk}/change/" in page
    services.record_determination(queue_waivers["old"], actor=rita, determination="consistent")
    assert "Old" not in titles(client.get(QUEUE))


def test_queue_is_read_only(client, rita, queue_waivers):
    client.force_login(rita)
    pk = queue_waivers["old"].pk
    assert client.get(f"{QUEUE}add/").status_code == 403
    assert client.post(f"{QUEUE}{pk}/delete/", {"post": "yes"}).status_code == 403
