"""A manufacturer responds to a waiver: the form, the double opt-in through
the outbox, what a response needs, and the answers that change nothing."""

import datetime as dt

import pytest
from django.utils import timezone

from alerts.models import Subscription
from outbox.models import OutboxMessage
from responses import services, tokens
from responses.models import SupplierResponse
from tests.admin.conftest import make_draft
from tests.factories import post
from tests.responses.helpers import (
    confirm_path,
    confirmation_to,
    form,
    respond_and_confirm,
    respond_url,
)
from waivers.models import Waiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiver():
    return post(make_draft(procurement_title="Tunable laser"))


def test_the_waiver_page_invites_a_response_and_explains_what_happens(client, waiver):
    page = client.get(waiver.get_absolute_url()).content.decode()
    assert "No U.S. manufacturer has said it can supply this yet." in page
    assert respond_url(waiver) in page
    assert "MIAO’s review is open" in page
    assert waiver.review_due_date.strftime("%B") in page
    form_page = client.get(respond_url(waiver))
    assert form_page.status_code == 200
    text = form_page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in text
    assert "still reaches the agency" not in text  # review is open
    assert 'class="site-honeypot"' in text


def test_after_the_decision_a_response_still_reaches_the_agency(client):
    decided = post(make_draft(), to=Waiver.Status.DECIDED)
    page = client.get(respond_url(decided)).content.decode()
    assert "MIAO’s review is closed" in page
    assert "informs its next purchase" in page


def test_a_response_counts_only_once_confirmed(client, waiver):
    answer = client.post(respond_url(waiver), form())
    assert answer.status_code == 302
    assert answer["Location"] == "/responses/check-your-email/"
    response = SupplierResponse.objects.get()
    assert response.confirmed_at is None
    assert response.uei == "J7M9HPTGJ1S9"
    assert response.public_consent is True
    waiver.refresh_from_db()
    assert waiver.supplier_response_count == 0
    message = confirmation_to("pat@acme-photonics.example")
    assert message.requested
    assert "Acme Photonics Inc." in message.text_body
    assert waiver.public_id in message.subject
    # Nobody on the staff hears of an unconfirmed response.
    assert not OutboxMessage.objects.filter(kind="responses.received").exists()
    assert "No U.S. manufacturer" in client.get(waiver.get_absolute_url()).content.decode()

    path = confirm_path(message)
    shown = client.get(path)  # a mail scanner opening the link confirms nothing
    assert shown.status_code == 200 and "Confirm and send my response" in shown.content.decode()
    assert SupplierResponse.objects.get().confirmed_at is None

    done = client.post(path)
    assert done.status_code == 200
    assert "your response is confirmed" in done.content.decode()
    response.refresh_from_db()
    assert response.confirmed_at is not None
    waiver.refresh_from_db()
    assert waiver.supplier_response_count == 1
    page = client.get(waiver.get_absolute_url()).content.decode()
    assert "1 U.S. manufacturer said it can supply this." in page
    assert "Acme Photonics Inc. (New York)" in page

    # Confirming again changes nothing.
    assert client.post(path).status_code == 200
    waiver.refresh_from_db()
    assert waiver.supplier_response_count == 1


def test_the_count_and_the_names_follow_consent(client, waiver):
    respond_and_confirm(client, waiver)
    respond_and_confirm(
        client,
        waiver,
        company_name="Quiet Optics LLC",
        uei="K2L3M4N5P6Q7",
        contact_email="q@quiet.example",
        state="OH",
        public_consent="no",
    )
    page = client.get(waiver.get_absolute_url()).content.decode()
    assert "2 U.S. manufacturers said they can supply this." in page
    assert "Acme Photonics Inc. (New York)" in page
    assert "Quiet Optics" not in page


def test_the_respondent_follows_the_waiver_from_confirmation(client, waiver):
    respond_and_confirm(client, waiver)
    follow = Subscription.objects.get(waiver=waiver)
    assert follow.subscriber.email == "pat@acme-photonics.example"
    assert follow.confirmed_at is not None
    assert follow.frequency == Subscription.Frequency.IMMEDIATE


def test_field_level_messages_and_nothing_saved(client, waiver):
    bad = form(
        company_name="",
        uei="ABC",
        cage_code="12",
        contact_email="not-an-address",
        state="XX",
        capability="x" * 3001,
        us_content_percent="120",
        product_url="javascript:alert(1)",
        public_consent=None,
    )
    answer = client.post(respond_url(waiver), bad)
    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert set(errors) == {
        "company_name",
        "uei",
        "cage_code",
        "contact_email",
        "state",
        "capability",
        "us_content_percent",
        "product_url",
        "public_consent",
    }
    assert "12 letters and digits" in errors["uei"][0]
    assert "http:// or https://" in errors["product_url"][0]
    page = answer.content.decode()
    assert 'aria-invalid="true"' in page
    assert "javascript:alert(1)" not in page.replace('value="javascript:alert(1)"', "")
    assert not SupplierResponse.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_ftp_links_and_uei_with_letter_o_are_refused(client, waiver):
    answer = client.post(
        respond_url(waiver), form(product_url="ftp://acme.example/x", uei="J7M9HPTGJ1SO")
    )
    assert answer.status_code == 400
    assert set(answer.context["form"].errors) == {"product_url", "uei"}


def test_lower_case_ids_are_read_in_capitals(client, waiver):
    assert (
        client.post(respond_url(waiver), form(uei="j7m9hptgj1s9", cage_code="1abc2")).status_code
        == 302
    )
    response = SupplierResponse.objects.get()
    assert (response.uei, response.cage_code) == ("J7M9HPTGJ1S9", "1ABC2")


def test_text_is_never_rendered_as_html(client, waiver):
    respond_and_confirm(client, waiver, company_name="<b>Bold</b> & Co")
    page = client.get(waiver.get_absolute_url()).content.decode()
    assert "<b>Bold</b>" not in page
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page


def test_a_withdrawn_waiver_takes_no_response(client):
    withdrawn = post(make_draft(), to=Waiver.Status.WITHDRAWN)
    page = client.get(withdrawn.get_absolute_url()).content.decode()
    assert respond_url(withdrawn) not in page
    assert client.get(respond_url(withdrawn)).status_code == 410
    assert client.post(respond_url(withdrawn), form()).status_code == 410
    assert not SupplierResponse.objects.exists()


def test_drafts_and_unknown_waivers_are_not_found(client, draft_a):
    assert client.get(respond_url(draft_a)).status_code == 404
    assert client.get("/waivers/MIA-00000000/respond/").status_code == 404


def test_a_waiver_withdrawn_before_confirmation_is_not_counted(client, waiver, alice):
    client.post(respond_url(waiver), form())
    path = confirm_path(confirmation_to("pat@acme-photonics.example"))
    from waivers import services as waiver_services

    waiver_services.withdraw(waiver, actor=alice)
    assert client.post(path).status_code == 410
    assert SupplierResponse.objects.get().confirmed_at is None
    waiver.refresh_from_db()
    assert waiver.supplier_response_count == 0


def test_a_company_is_counted_once_per_waiver(client, waiver):
    respond_and_confirm(client, waiver)
    # The same company again, from another address: told by email, nothing recorded.
    answer = client.post(respond_url(waiver), form(contact_email="other@acme-photonics.example"))
    assert answer.status_code == 302
    assert SupplierResponse.objects.count() == 1
    notice = OutboxMessage.objects.get(kind="responses.already")
    assert notice.to == "other@acme-photonics.example"
    # Two pending requests of the same company: the second confirmation is refused.
    other = post(make_draft())
    client.post(respond_url(other), form())
    client.post(respond_url(other), form(contact_email="b@acme-photonics.example"))
    first, second = (
        confirm_path(confirmation_to("pat@acme-photonics.example")),
        confirm_path(confirmation_to("b@acme-photonics.example")),
    )
    assert client.post(first).status_code == 200
    assert client.post(second).status_code == 409
    other.refresh_from_db()
    assert other.supplier_response_count == 1


def test_tampered_expired_and_lapsed_links_change_nothing(client, waiver):
    client.post(respond_url(waiver), form())
    response = SupplierResponse.objects.get()
    token = tokens.make("confirm", response.pk)
    assert client.post(f"/responses/confirm/{token}x/").status_code == 400
    alerts_token = __import__("alerts.tokens", fromlist=["make"]).make("confirm", response.pk)
    assert client.post(f"/responses/confirm/{alerts_token}/").status_code == 400  # other app
    signer_time = timezone.now() - dt.timedelta(days=8)
    from unittest import mock

    with mock.patch("django.core.signing.time.time", return_value=signer_time.timestamp()):
        old = tokens.make("confirm", response.pk)
    assert client.post(f"/responses/confirm/{old}/").status_code == 410
    assert SupplierResponse.objects.get().confirmed_at is None
    # Requests never confirmed lapse after 7 days, with their contact details.
    assert services.lapse_unconfirmed(now=timezone.now() + dt.timedelta(days=8)) == 1
    assert client.post(f"/responses/confirm/{token}/").status_code == 404


def test_the_lapse_command_deletes_only_old_unconfirmed_requests(client, waiver):
    import io

    from django.core.management import call_command

    respond_and_confirm(client, waiver)
    client.post(respond_url(waiver), form(uei="K2L3M4N5P6Q7", contact_email="k@k.example"))
    SupplierResponse.objects.update(created_at=timezone.now() - dt.timedelta(days=8))
    out = io.StringIO()
    call_command("lapse_supplier_responses", stdout=out)
    assert out.getvalue().strip() == "unconfirmed responses deleted: 1"
    assert list(SupplierResponse.objects.values_list("uei", flat=True)) == ["J7M9HPTGJ1S9"]
