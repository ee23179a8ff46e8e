"""Who hears of a confirmed response (through the outbox), and the
respondent hearing of MIAO's determination and the final decision."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from agencies import roles
from outbox.models import OutboxMessage
from responses.models import SupplierResponse
from tests.admin.conftest import Role
from tests.alerts.helpers import digests_to, run
from tests.factories import UserFactory, agency
from tests.responses.helpers import form, respond_and_confirm, respond_url
from waivers import services as waiver_services

pytestmark = pytest.mark.django_db


def test_agency_staff_and_miao_reviewers_are_told_once_it_is_confirmed(
    posted_a, alice, bob, victor, rita
):
    department_submitter = UserFactory(username="dora", email="dora@commerce.example.gov")
    roles.grant_role(
        user=department_submitter, role=Role.AGENCY_SUBMITTER, agencies=[agency("013")]
    )
    inactive = UserFactory(username="ivan", email="ivan@example.gov", is_active=False)
    roles.grant_role(user=inactive, role=Role.AGENCY_VIEWER, agencies=[agency("1341")])

    client = Client()
    client.post(respond_url(posted_a), form(capability="PRIVATE-CAPABILITY-TEXT"))
    assert not OutboxMessage.objects.filter(kind="responses.received").exists()
    respond_and_confirm(client, posted_a, uei="K2L3M4N5P6Q7", contact_email="x@x.example")

    received = OutboxMessage.objects.filter(kind="responses.received")
    assert sorted(m.to for m in received) == [
        "alice@example.gov",
        "dora@commerce.example.gov",
        "rita@example.gov",
        "victor@example.gov",
    ]
    message = received.first()
    response = SupplierResponse.objects.get(confirmed_at__isnull=False)
    assert posted_a.public_id in message.subject
    assert "Acme Photonics Inc." in message.text_body
    assert f"/admin/responses/supplierresponse/{response.pk}/change/" in message.text_body
    # Contact details stay in the admin.
    assert "x@x.example" not in message.text_body
    assert "+1 (301) 555-0100" not in message.text_body


def test_the_respondent_hears_of_the_determination_and_the_final_decision(posted_a, alice, rita):
    respond_and_confirm(Client(), posted_a)
    later = timezone.now() + dt.timedelta(seconds=1)
    waiver_services.record_determination(posted_a, actor=rita, determination="consistent", at=later)
    run()
    messages = digests_to("pat@acme-photonics.example")
    assert len(messages) == 1
    assert "MIAO recorded its determination: consistent with policy" in messages[0].text_body

    waiver_services.record_final_decision(
        posted_a,
        actor=alice,
        decision="granted",
        decided_on=timezone.localdate(),
        at=later + dt.timedelta(minutes=10),
    )
    run(now=timezone.now() + dt.timedelta(minutes=20))
    messages = digests_to("pat@acme-photonics.example")
    assert len(messages) == 2
    assert "final decision: granted" in messages[1].text_body
