"""Emails from the service layer: reviewers on submission, the agency's
submitters on a determination; written to the mail outbox in the same
transaction as the change (one message per recipient), never for imports
(actor None), and delivered by send_mail_outbox. A request never waits on
the mail server, so it never fails with it."""

import pytest
from django.core.management import call_command
from django.db import transaction

from agencies import roles
from outbox.models import OutboxMessage
from tests.admin.conftest import AGENCY_A, make_draft, transition_url
from tests.factories import UserFactory, agency, post
from tests.smtp import LoopbackSMTP, free_port
from waivers import services
from waivers.models import Waiver

pytestmark = pytest.mark.django_db


def deliver() -> None:
    call_command("send_mail_outbox", stdout=open("/dev/null", "w"))  # noqa: SIM115


def test_submission_queues_one_email_to_reviewers_with_the_change(
    client, alice, rita, bob, mailoutbox
):
    waiver = make_draft(contracting_agency=agency(AGENCY_A))
    client.force_login(alice)
    client.post(transition_url(waiver, "submit"), {"note": ""})

    (queued,) = OutboxMessage.objects.all()
    assert (queued.kind, queued.to, queued.status) == (
        "waivers.waiver_submitted",
        "rita@example.gov",
        "pending",
    )
    assert mailoutbox == []  # nothing is sent inside the request
    deliver()
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == ["rita@example.gov"]
    assert waiver.public_id in message.subject
    assert f"/admin/waivers/waiver/{waiver.pk}/change/" in message.body


def test_determination_emails_each_of_the_agencys_submitters(rita, alice, bob, victor, mailoutbox):
    dept = UserFactory(username="dora", email="dora@example.gov", is_staff=False)
    roles.grant_role(user=dept, role="agency_submitter", agencies=[agency("013")])
    waiver = post(make_draft(contracting_agency=agency(AGENCY_A)))
    services.record_determination(
        waiver,
        actor=rita,
        determination="conditionally_consistent",
        conditions="Buy US spares",
    )
    deliver()
    # One message each, so no submitter sees the others' addresses; not bob, not victor.
    assert sorted(m.to[0] for m in mailoutbox) == ["alice@example.gov", "dora@example.gov"]
    assert all(len(m.to) == 1 for m in mailoutbox)
    assert all("Buy US spares" in m.body for m in mailoutbox)


def test_rolled_back_change_queues_nothing(alice, rita, mailoutbox):
    waiver = make_draft(contracting_agency=agency(AGENCY_A))
    try:
        with transaction.atomic():
            services.submit(waiver, actor=alice)
            assert OutboxMessage.objects.count() == 1  # written with the change ...
            raise RuntimeError("later step failed")
    except RuntimeError:
        pass
    assert not OutboxMessage.objects.exists()  # ... and gone with it
    deliver()
    assert mailoutbox == []


def test_imports_with_no_actor_send_no_email(rita, mailoutbox):
    waiver = make_draft(contracting_agency=agency(AGENCY_A))
    services.submit(waiver, actor=None)
    services.record_determination(waiver, actor=None, determination="consistent")
    assert not OutboxMessage.objects.exists()


def test_notify_false_silences_a_staff_action(alice, rita, mailoutbox):
    waiver = make_draft(contracting_agency=agency(AGENCY_A))
    services.submit(waiver, actor=alice, notify=False)
    assert not OutboxMessage.objects.exists()


def test_a_determination_with_the_mail_server_down_succeeds_and_is_mailed_later(
    client, alice, rita, settings
):
    """Issue 18, finding 8: this answered 500 although the change committed."""
    server = LoopbackSMTP()
    server.configure(settings)  # nothing listens on its port yet
    waiver = post(make_draft(contracting_agency=agency(AGENCY_A)))
    client.force_login(rita)
    response = client.post(
        transition_url(waiver, "record_determination"),
        {"determination": "consistent", "note": ""},
    )
    assert response.status_code == 302
    waiver.refresh_from_db()
    assert waiver.status == Waiver.Status.REVIEWED
    queued = OutboxMessage.objects.get(kind="waivers.determination_recorded")
    assert queued.to == "alice@example.gov"

    deliver()  # the server is still down: the message waits
    queued.refresh_from_db()
    assert queued.status == "pending" and queued.attempts == 1

    server.start()
    try:
        OutboxMessage.objects.update(next_attempt_at=queued.created_at)  # its wait is over
        deliver()
        assert [r.envelope_to for r in server.received] == [["alice@example.gov"]]
    finally:
        server.stop()


def test_submitting_with_no_mail_server_at_all_succeeds(client, alice, rita, settings):
    LoopbackSMTP().configure(settings)
    settings.EMAIL_PORT = free_port()
    waiver = make_draft(contracting_agency=agency(AGENCY_A))
    client.force_login(alice)
    response = client.post(transition_url(waiver, "submit"), {"note": ""})
    assert response.status_code == 302
    waiver.refresh_from_db()
    assert waiver.status == Waiver.Status.SUBMITTED
    assert OutboxMessage.objects.filter(status="pending").count() == 1
