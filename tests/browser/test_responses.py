"""Supplier responses end to end in real headless Chromium: a manufacturer
responds to a waiver from its page, confirms through the link in the message
a real SMTP server received, and the agency's submitter, told by email,
finds the response in the admin and records an outcome."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from agencies import roles
from agencies.models import AgencyMembership
from responses.models import OutcomeChange, SupplierResponse
from tests.admin.conftest import make_draft
from tests.browser.conftest import axe_violations
from tests.factories import UserFactory, agency, post

CONTACT = "pat@acme-photonics.example"
PASSWORD = "a long enough password"


@pytest.fixture
def mail(smtp_server, settings, live_server):
    settings.SITE_URL = live_server.url  # links in messages lead to this server
    return smtp_server


def deliver() -> None:
    with open("/dev/null", "w") as devnull:
        call_command("send_mail_outbox", stdout=devnull)


def link_in(text: str, path: str) -> str:
    return re.search(rf"(http://[^\s]+{path}[^\s]+/)", text)[1]


@pytest.mark.django_db(transaction=True)
def test_respond_confirm_and_the_agency_records_an_outcome(page, mail):
    submitter = UserFactory(username="sam", email="sam@nist.example.gov", is_staff=False)
    submitter.set_password(PASSWORD)
    submitter.save()
    roles.grant_role(
        user=submitter, role=AgencyMembership.Role.AGENCY_SUBMITTER, agencies=[agency("1341")]
    )
    waiver = post(make_draft(procurement_title="Tunable laser", contracting_agency=agency("1341")))

    page.goto(waiver.get_absolute_url())
    expect(page.locator("#response-count")).to_have_text(
        "No U.S. manufacturer has said it can supply this yet."
    )
    assert axe_violations(page) == []
    page.get_by_role("link", name="We can supply this").click()
    expect(page.locator("h1")).to_contain_text("We can supply this")
    assert axe_violations(page) == []

    # A first try with a mistake: the field says what is wrong, nothing is lost.
    page.fill("#id_company_name", "Acme Photonics Inc.")
    page.fill("#id_uei", "j7m9hptgj1s")  # 11 characters
    page.fill("#id_city", "Rochester")
    page.select_option("#id_state", "NY")
    page.fill("#id_capability", "Narrow-linewidth tunable lasers made in Rochester.")
    page.fill("#id_us_content_percent", "85")
    page.fill("#id_lead_time", "12 weeks")
    page.fill("#id_capacity", "20 units a month")
    page.fill("#id_contact_name", "Pat Maker")
    page.fill("#id_contact_email", CONTACT)
    page.get_by_text("Yes: show our company name").click()
    page.get_by_role("button", name="Send my response").click()
    expect(page.locator("#id_uei_error")).to_contain_text("12 letters and digits")
    expect(page.locator("#id_company_name")).to_have_value("Acme Photonics Inc.")
    assert axe_violations(page) == []
    page.fill("#id_uei", "j7m9hptgj1s9")
    page.get_by_role("button", name="Send my response").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    assert SupplierResponse.objects.get().confirmed_at is None

    deliver()
    (confirmation,) = mail.messages_to(CONTACT)
    assert confirmation.message["Subject"] == f"Confirm your response to waiver {waiver.public_id}"
    page.goto(link_in(confirmation.text, "/responses/confirm/"))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Confirm and send my response").click()
    expect(page.locator("h1")).to_contain_text("your response is confirmed")

    page.goto(waiver.get_absolute_url())
    expect(page.locator("#response-count")).to_have_text(
        "1 U.S. manufacturer said it can supply this."
    )
    expect(page.locator("#respondents")).to_have_text("Acme Photonics Inc. (New York)")

    # The agency's submitter is told, and finds the response in the admin.
    deliver()
    (notice,) = mail.messages_to("sam@nist.example.gov")
    assert waiver.public_id in notice.message["Subject"]
    page.goto("/admin/login/")
    page.fill("#id_username", "sam")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    page.locator("#content-main tr.model-supplierresponse th a").click()
    page.get_by_role("link", name="Acme Photonics Inc.").click()
    expect(page.locator("body")).to_contain_text(CONTACT)
    page.get_by_role("link", name="Record outcome…").click()
    page.get_by_label("Capable", exact=True).check()
    page.fill("#id_note", "Called Pat; samples ordered.")
    page.get_by_role("button", name="Record outcome").click()
    expect(page.locator(".messagelist")).to_contain_text(
        "Outcome recorded for Acme Photonics Inc.: capable."
    )
    expect(page.locator("body")).to_contain_text("Called Pat; samples ordered.")

    response = SupplierResponse.objects.get()
    assert response.outcome == "capable"
    change = OutcomeChange.objects.get()
    assert (change.actor, change.to_outcome) == (submitter, "capable")
