"""Lifecycle buttons: each transition allowed and refused per role, through
the confirmation page (POST + CSRF), with service errors shown on the form."""

import pytest
from django.test import Client
from django.utils import timezone

from tests.admin.conftest import AGENCY_A, make_draft, transition_url
from tests.factories import agency, post
from waivers.models import Waiver, WaiverAuditEntry, WaiverStatusChange

pytestmark = pytest.mark.django_db
Status = Waiver.Status

# action: (the state it starts from, form data, the state it leads to)
ACTIONS = {
    "submit": (Status.DRAFT, {}, Status.SUBMITTED),
    "start_review": (Status.SUBMITTED, {}, Status.IN_REVIEW),
    "record_determination": (Status.SUBMITTED, {"determination": "consistent"}, Status.REVIEWED),
    "waive_review": (Status.IN_REVIEW, {}, Status.REVIEW_WAIVED),
    "record_final_decision": (
        Status.REVIEWED,
        {"decision": "granted", "decided_on": "2024-05-01"},
        Status.DECIDED,
    ),
    "withdraw": (Status.REVIEWED, {}, Status.WITHDRAWN),
}
AGENCY_ACTIONS = {"submit", "record_final_decision", "withdraw"}
REVIEW_ACTIONS = {"start_review", "record_determination", "waive_review"}
MAY = {
    "alice": AGENCY_ACTIONS,
    "bob": set(),  # another agency's waiver: not even visible
    "victor": set(),
    "rita": REVIEW_ACTIONS,
    "root": AGENCY_ACTIONS | REVIEW_ACTIONS,
}


def waiver_in(status: str) -> Waiver:
    waiver = make_draft(contracting_agency=agency(AGENCY_A))
    return waiver if status == Status.DRAFT else post(waiver, to=status)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("name", MAY)
def test_transition_allowed_or_refused_per_role(client, request, name, action):
    user = request.getfixturevalue(name)
    start, data, end = ACTIONS[action]
    waiver = waiver_in(start)
    client.force_login(user)
    response = client.post(transition_url(waiver, action), {**data, "note": "via admin"})
    waiver.refresh_from_db()
    if action in MAY[name]:
        assert response.status_code == 302, response.content[:500]
        assert waiver.status == end
        change = WaiverStatusChange.objects.filter(waiver=waiver).last()
        assert (change.to_status, change.actor, change.note) == (end, user, "via admin")
        entry = WaiverAuditEntry.objects.filter(waiver=waiver, action="transition").first()
        assert entry.actor == user
        assert {"field": "status", "old": start, "new": end} in entry.changes
    else:
        assert response.status_code == (
            404 if name == "bob" or (name == "rita" and start == Status.DRAFT) else 403
        )
        assert waiver.status == start


def test_get_shows_a_confirmation_and_changes_nothing(client, alice):
    waiver = waiver_in(Status.DRAFT)
    client.force_login(alice)
    response = client.get(transition_url(waiver, "submit"))
    assert response.status_code == 200
    assert b"starts MIAO" in response.content and b'name="note"' in response.content
    waiver.refresh_from_db()
    assert waiver.status == Status.DRAFT


def test_transition_requires_csrf_token(alice):
    waiver = waiver_in(Status.DRAFT)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(transition_url(waiver, "submit"), {}).status_code == 403
    waiver.refresh_from_db()
    assert waiver.status == Status.DRAFT


def test_transition_from_the_wrong_state_is_refused_with_a_message(client, alice):
    waiver = waiver_in(Status.SUBMITTED)  # under review: no final decision yet
    client.force_login(alice)
    response = client.post(
        transition_url(waiver, "record_final_decision"),
        {"decision": "granted", "decided_on": "2024-05-01"},
        follow=True,
    )
    assert "is not possible" in str(list(response.context["messages"])[0])
    waiver.refresh_from_db()
    assert waiver.status == Status.SUBMITTED


def test_change_page_offers_only_the_buttons_the_role_and_state_allow(client, alice, rita):
    waiver = waiver_in(Status.SUBMITTED)
    client.force_login(alice)
    page = client.get(f"/admin/waivers/waiver/{waiver.pk}/change/").content.decode()
    assert "/transition/withdraw/" in page and "/transition/start_review/" not in page
    assert "/transition/submit/" not in page
    client.force_login(rita)
    page = client.get(f"/admin/waivers/waiver/{waiver.pk}/change/").content.decode()
    assert "/transition/start_review/" in page and "/transition/withdraw/" not in page
    assert 'name="status"' not in page  # never a status dropdown


def test_conditional_determination_requires_conditions(client, rita):
    waiver = waiver_in(Status.IN_REVIEW)
    client.force_login(rita)
    url = transition_url(waiver, "record_determination")
    response = client.post(url, {"determination": "conditionally_consistent"})
    assert response.status_code == 200
    assert "conditions" in response.context["form"].errors
    waiver.refresh_from_db()
    assert waiver.status == Status.IN_REVIEW
    client.post(url, {"determination": "conditionally_consistent", "conditions": "Buy US spares"})
    waiver.refresh_from_db()
    assert (waiver.status, waiver.determination_conditions) == (Status.REVIEWED, "Buy US spares")


def test_inconsistent_determination_requires_an_explanation(client, rita):
    waiver = waiver_in(Status.SUBMITTED)
    client.force_login(rita)
    response = client.post(
        transition_url(waiver, "record_determination"), {"determination": "inconsistent"}
    )
    assert "explanation" in response.context["form"].errors
    waiver.refresh_from_db()
    assert waiver.determination == ""


def test_final_decision_cannot_be_dated_in_the_future(client, alice):
    waiver = waiver_in(Status.REVIEWED)
    client.force_login(alice)
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    response = client.post(
        transition_url(waiver, "record_final_decision"),
        {"decision": "granted", "decided_on": tomorrow.isoformat()},
    )
    assert "decided_on" in response.context["form"].errors
    waiver.refresh_from_db()
    assert waiver.status == Status.REVIEWED


def test_submitting_an_incomplete_draft_lists_what_is_missing(client, alice):
    waiver = make_draft(contracting_agency=agency(AGENCY_A), rationale="", psc=None)
    client.force_login(alice)
    response = client.post(transition_url(waiver, "submit"), {})
    assert response.status_code == 200
    text = " ".join(response.context["form"].non_field_errors())
    assert "rationale" in text and "PSC" in text
    waiver.refresh_from_db()
    assert waiver.status == Status.DRAFT
