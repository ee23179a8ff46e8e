"""Emails from the service layer: reviewers on submission, the agency's
submitters on a determination; once each, only after the commit, never for
imports (actor None)."""

import pytest
from django.db import transaction

from agencies import roles
from tests.admin.conftest import AGENCY_A, make_draft, transition_url
from tests.factories import UserFactory, agency, post
from waivers import services

pytestmark = pytest.mark.django_db


def test_submission_emails_reviewers_once_after_commit(
    client, alice, rita, bob, django_capture_on_commit_callbacks, mailoutbox
):
    waiver = make_draft(contracting_agency=agency(AGENCY_A))
    client.force_login(alice)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(transition_url(waiver, "submit"), {"note": ""})
        assert mailoutbox == []  # nothing before the commit
    for callback in callbacks:  # what the commit would run
        callback()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["rita@example.gov"]
    assert waiver.public_id in message.subject
    assert f"/admin/waivers/waiver/{waiver.pk}/change/" in message.body


def test_determination_emails_the_agencys_submitters(
    rita, alice, bob, victor, django_capture_on_commit_callbacks, mailoutbox
):
    dept = UserFactory(username="dora", email="dora@example.gov", is_staff=False)
    roles.grant_role(user=dept, role="agency_submitter", agencies=[agency("013")])
    waiver = post(make_draft(contracting_agency=agency(AGENCY_A)))
    with django_capture_on_commit_callbacks(execute=True):
        services.record_determination(
            waiver,
            actor=rita,
            determination="conditionally_consistent",
            conditions="Buy US spares",
        )
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["alice@example.gov", "dora@example.gov"]  # not bob, not victor
    assert "Buy US spares" in mailoutbox[0].body


def test_rolled_back_change_sends_nothing(
    alice, rita, django_capture_on_commit_callbacks, mailoutbox
):
    waiver = make_draft(contracting_agency=agency(AGENCY_A))
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                services.submit(waiver, actor=alice)
                raise RuntimeError("later step failed")
        except RuntimeError:
            pass
    assert mailoutbox == []


def test_imports_with_no_actor_send_no_email(rita, django_capture_on_commit_callbacks, mailoutbox):
    waiver = make_draft(contracting_agency=agency(AGENCY_A))
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(waiver, actor=None)
        services.record_determination(waiver, actor=None, determination="consistent")
    assert mailoutbox == []


def test_notify_false_silences_a_staff_action(
    alice, rita, django_capture_on_commit_callbacks, mailoutbox
):
    waiver = make_draft(contracting_agency=agency(AGENCY_A))
    with django_capture_on_commit_callbacks(execute=True):
        services.submit(waiver, actor=alice, notify=False)
    assert mailoutbox == []
