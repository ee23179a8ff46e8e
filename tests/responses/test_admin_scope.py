"""Staff see supplier responses exactly as they see waivers (waivers.scope),
at every admin entry point: the "Supplier responses" list, each response's
page, its history, the outcome page, the waiver's own page, the review queue
and the determination form. Submitter of agency A (alice), submitter of
agency B (bob), viewer of A (victor), MIAO reviewer (rita), superuser (root)."""

import pytest
from django.test import Client

from responses import services
from responses.models import OutcomeChange, SupplierResponse
from tests.responses.helpers import form, respond_and_confirm, respond_url
from waivers.models import WaiverAuditEntry

pytestmark = pytest.mark.django_db

USERS = ("alice", "bob", "victor", "rita", "root")
# Which confirmed responses each user sees.
VISIBLE = {
    "alice": {"on_a"},
    "bob": {"on_b"},
    "victor": {"on_a"},
    "rita": {"on_a", "on_b"},
    "root": {"on_a", "on_b"},
}
# Who may record an outcome on which (viewers read only).
RECORDS = {
    "alice": {"on_a"},
    "bob": {"on_b"},
    "victor": set(),
    "rita": {"on_a", "on_b"},
    "root": {"on_a", "on_b"},
}
BASE = "/admin/responses/supplierresponse/"


@pytest.fixture
def responses(posted_a, posted_b):
    public = Client()
    on_a = respond_and_confirm(public, posted_a, company_name="Alpha Works A")
    on_b = respond_and_confirm(
        public,
        posted_b,
        company_name="Beta Forge B",
        uei="K2L3M4N5P6Q7",
        contact_email="b@b.example",
    )
    # A request never confirmed: nobody's work, shown to no one.
    public.post(
        respond_url(posted_a),
        form(company_name="Pending P", uei="M2N3P4Q5R6S7", contact_email="p@p.example"),
    )
    return {"on_a": on_a, "on_b": on_b}


@pytest.fixture
def login(client, request):
    def as_user(name):
        user = request.getfixturevalue(name)
        client.force_login(user)
        return user

    return as_user


@pytest.mark.parametrize("name", USERS)
def test_the_list_shows_exactly_the_responses_in_scope(client, login, responses, name):
    login(name)
    page = client.get(BASE)
    assert page.status_code == 200
    shown = {r.company_name for r in page.context["cl"].result_list}
    assert shown == {responses[key].company_name for key in VISIBLE[name]}
    assert b"Pending P" not in page.content


@pytest.mark.parametrize("name", USERS)
def test_searching_another_agencys_waiver_finds_nothing(client, login, responses, name):
    login(name)
    for key, response in responses.items():
        page = client.get(BASE, {"q": response.waiver.public_id})
        shown = {r.pk for r in page.context["cl"].result_list}
        assert shown == ({response.pk} if key in VISIBLE[name] else set()), (name, key)


@pytest.mark.parametrize("name", USERS)
@pytest.mark.parametrize("view", ["change", "history", "outcome"])
def test_response_pages_404_outside_scope(client, login, responses, name, view):
    login(name)
    for key, response in responses.items():
        page = client.get(f"{BASE}{response.pk}/{view}/")
        if key not in VISIBLE[name]:
            expected = 404
        elif view == "outcome" and key not in RECORDS[name]:
            expected = 403
        else:
            expected = 200
        assert page.status_code == expected, (name, key, view)
        if expected == 404:
            assert response.company_name.encode() not in page.content


@pytest.mark.parametrize("name", USERS)
def test_unconfirmed_responses_have_no_page(client, login, responses, name):
    login(name)
    pending = SupplierResponse.objects.get(company_name="Pending P")
    assert client.get(f"{BASE}{pending.pk}/change/").status_code == 404


@pytest.mark.parametrize("name", USERS)
def test_recording_an_outcome_follows_the_role(client, login, responses, name):
    user = login(name)
    for key, response in responses.items():
        answer = client.post(
            f"{BASE}{response.pk}/outcome/", {"outcome": "contacted", "note": f"by {name}"}
        )
        response.refresh_from_db()
        if key in RECORDS[name]:
            assert answer.status_code == 302, (name, key)
            assert response.outcome == "contacted"
            change = OutcomeChange.objects.get(response=response, actor=user)
            assert (change.from_outcome, change.to_outcome, change.note) == (
                "new",
                "contacted",
                f"by {name}",
            )
            entry = WaiverAuditEntry.objects.get(
                waiver_id=response.waiver_id, action="response_outcome", actor=user
            )
            assert entry.reason == f"by {name}"
            assert entry.changes == [
                {
                    "field": f"supplier_response.{response.pk}.outcome",
                    "old": "new",
                    "new": "contacted",
                }
            ]
            services.record_outcome(response, actor=user, outcome="new")  # reset for the next
        else:
            assert answer.status_code in (403, 404), (name, key)
            assert response.outcome == "new"
            assert not OutcomeChange.objects.filter(response=response, actor=user).exists()


def test_the_change_page_offers_the_outcome_button_only_to_those_who_may(client, login, responses):
    login("victor")
    page = client.get(f"{BASE}{responses['on_a'].pk}/change/").content.decode()
    assert "Alpha Works A" in page and "pat@acme-photonics.example" in page
    assert "Record outcome" not in page
    login("alice")
    page = client.get(f"{BASE}{responses['on_a'].pk}/change/").content.decode()
    assert "Record outcome" in page
    # Nothing on the page is a form field: the admin never edits a response.
    assert (
        client.post(f"{BASE}{responses['on_a'].pk}/change/", {"outcome": "capable"}).status_code
        == 403
    )
    assert client.get(f"{BASE}add/").status_code == 403
    assert client.post(f"{BASE}{responses['on_a'].pk}/delete/").status_code == 403


def test_an_invalid_outcome_is_a_field_message(client, login, responses):
    login("alice")
    answer = client.post(f"{BASE}{responses['on_a'].pk}/outcome/", {"outcome": "hired"})
    assert answer.status_code == 200
    assert "outcome" in answer.context["form"].errors
    assert not OutcomeChange.objects.exists()


@pytest.mark.parametrize("name", USERS)
def test_the_waiver_page_lists_its_confirmed_responses(client, login, responses, name):
    login(name)
    for key, response in responses.items():
        page = client.get(f"/admin/waivers/waiver/{response.waiver_id}/change/")
        if key in VISIBLE[name]:
            assert page.status_code == 200
            text = page.content.decode()
            assert response.company_name in text
            assert "Pending P" not in text
        else:
            assert page.status_code == 404


@pytest.mark.parametrize("name", USERS)
def test_the_agency_filter_lists_only_agencies_in_scope(client, login, responses, name):
    login(name)
    page = client.get(BASE)
    spec = next(
        f for f in page.context["cl"].filter_specs if getattr(f, "parameter_name", None) == "agency"
    )
    codes = {code for code, _ in spec.lookup_choices}
    if VISIBLE[name] == {"on_a"}:
        assert "97AS" not in codes and "1341" in codes
    if VISIBLE[name] == {"on_b"}:
        assert "1341" not in codes and "97AS" in codes


def test_the_review_queue_and_the_determination_form_show_the_count(client, login, responses):
    login("rita")
    queue = client.get("/admin/waivers/reviewqueueitem/")
    assert queue.status_code == 200
    rows = {w.public_id: w.supplier_response_count for w in queue.context["cl"].result_list}
    assert rows[responses["on_a"].waiver.public_id] == 1
    assert f"{BASE}?q={responses['on_a'].waiver.public_id}" in queue.content.decode()
    waiver = responses["on_a"].waiver
    page = client.get(f"/admin/waivers/waiver/{waiver.pk}/transition/record_determination/")
    assert page.status_code == 200
    assert "Supplier responses" in page.content.decode()
    assert f'?q={waiver.public_id}">1</a>' in page.content.decode()


def test_staff_without_a_role_and_anonymous_users_are_kept_out(client, nobody, responses):
    assert client.get(BASE).status_code == 302  # to the login page
    client.force_login(nobody)
    assert client.get(BASE).status_code == 403
    assert client.get(f"{BASE}{responses['on_a'].pk}/change/").status_code == 404
