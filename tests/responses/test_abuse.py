"""Abuse controls of the response form: the honeypot, the rate limits per
client address and per email address, CSRF, and the length limits."""

import pytest
from django.test import Client

from outbox.models import OutboxMessage
from responses.models import SupplierResponse
from tests.admin.conftest import make_draft
from tests.factories import post
from tests.responses.helpers import form, respond_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiver():
    return post(make_draft())


def test_a_filled_honeypot_records_and_sends_nothing(client, waiver):
    answer = client.post(respond_url(waiver), form(website="http://spam.example"))
    # The same answer as a person gets, so a bot learns nothing.
    assert answer.status_code == 302
    assert answer["Location"] == "/responses/check-your-email/"
    assert not SupplierResponse.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_the_honeypot_is_hidden_from_people(client, waiver):
    page = client.get(respond_url(waiver)).content.decode()
    assert '<div class="site-honeypot">' in page
    assert 'name="website"' in page and 'tabindex="-1"' in page


def test_rate_limit_per_client_address(client, waiver, settings):
    settings.RESPONSES_RATE_PER_CLIENT = "3/hour"
    for n in range(3):
        answer = client.post(respond_url(waiver), form(contact_email=f"p{n}@maker.example"))
        assert answer.status_code == 302
    refused = client.post(respond_url(waiver), form(contact_email="p9@maker.example"))
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()
    assert SupplierResponse.objects.count() == 3
    assert OutboxMessage.objects.count() == 3
    # Invalid and honeypot posts count too: a bot cannot probe for free.
    other = Client(REMOTE_ADDR="192.0.2.9")
    for _ in range(3):
        other.post(respond_url(waiver), form(website="spam"))
    assert other.post(respond_url(waiver), form()).status_code == 429


def test_rate_limit_per_email_address(waiver, settings):
    settings.RESPONSES_RATE_PER_ADDRESS = "2/hour"
    for n in range(2):
        answer = Client(REMOTE_ADDR=f"192.0.2.{n + 1}").post(respond_url(waiver), form())
        assert answer.status_code == 302
    # The same address in other cases, from yet another client address.
    refused = Client(REMOTE_ADDR="192.0.2.50").post(
        respond_url(waiver), form(contact_email="PAT@Acme-Photonics.example")
    )
    assert refused.status_code == 429
    assert SupplierResponse.objects.count() == 2


def test_the_form_needs_its_csrf_token(waiver):
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(respond_url(waiver), form()).status_code == 403
    assert not SupplierResponse.objects.exists()


def test_length_limits_are_field_messages(client, waiver):
    answer = client.post(
        respond_url(waiver),
        form(company_name="C" * 201, lead_time="L" * 201, contact_phone="5" * 41),
    )
    assert answer.status_code == 400
    assert {"company_name", "lead_time", "contact_phone"} <= set(answer.context["form"].errors)
    assert not SupplierResponse.objects.exists()
