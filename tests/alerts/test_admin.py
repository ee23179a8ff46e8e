"""Staff see how many people follow each agency, search and waiver, never
who: one aggregate page, no per-subscription page, scoped like waivers."""

import pytest

from tests.admin.conftest import AGENCY_A, AGENCY_B, make_draft
from tests.alerts.helpers import subscribe
from tests.factories import agency, post

pytestmark = pytest.mark.django_db

URL = "/admin/alerts/followercount/"
MARKER = "adminleak-5b71"


@pytest.fixture
def follows():
    waiver_a = post(make_draft(contracting_agency=agency(AGENCY_A), procurement_title="Waiver A"))
    waiver_b = post(make_draft(contracting_agency=agency(AGENCY_B), procurement_title="Waiver B"))
    for n in range(3):
        subscribe(f"{MARKER}-{n}@example.org", waiver=waiver_a)
        subscribe(f"{MARKER}-{n}@example.org", query=f"agency={AGENCY_A}&psc=66")
    subscribe(f"{MARKER}-9@example.org", waiver=waiver_b)
    subscribe(f"{MARKER}-9@example.org", query="agency=097", confirm=False)  # not counted yet
    return waiver_a, waiver_b


def test_reviewers_see_counts_by_agency_search_and_waiver(client, rita, follows):
    waiver_a, waiver_b = follows
    client.force_login(rita)
    response = client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert MARKER not in body and "@example.org" not in body
    agencies = response.context["agencies"]
    assert [(row.label, row.count) for row in agencies] == [
        ("National Institute of Standards and Technology (1341)", 3)
    ]
    assert [(row.label, row.count) for row in response.context["waivers"]] == [
        (f"{waiver_a.public_id} Waiver A", 3),
        (f"{waiver_b.public_id} Waiver B", 1),
    ]
    (search,) = response.context["searches"]
    assert search.count == 3 and "PSC 66" in search.label
    assert response.context["totals"]["confirmed"] == 7
    assert response.context["totals"]["awaiting_confirmation"] == 1


def test_agency_staff_see_only_their_agencys_waivers_counts(client, alice, bob, follows):
    waiver_a, waiver_b = follows
    client.force_login(alice)
    shown = [row.label for row in client.get(URL).context["waivers"]]
    assert shown == [f"{waiver_a.public_id} Waiver A"]
    client.force_login(bob)
    shown = [row.label for row in client.get(URL).context["waivers"]]
    assert shown == [f"{waiver_b.public_id} Waiver B"]


def test_staff_without_a_role_and_anonymous_users_are_kept_out(client, nobody, follows):
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(nobody)
    assert client.get(URL).status_code == 403
    assert b"Follower counts" not in client.get("/admin/").content


def test_there_is_no_page_for_one_subscription_or_subscriber(client, root, follows):
    client.force_login(root)
    assert b"Follower counts" in client.get("/admin/").content
    for url in (
        "/admin/alerts/followercount/1/change/",
        "/admin/alerts/followercount/add/",
        "/admin/alerts/followercount/1/delete/",
        "/admin/alerts/subscription/",
        "/admin/alerts/subscriber/",
        "/admin/outbox/outboxmessage/",
    ):
        response = client.get(url)
        assert response.status_code == 404 or MARKER.encode() not in response.content, url
        assert response.status_code in (302, 404), url
