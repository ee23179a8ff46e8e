"""Email alerts end to end in real headless Chromium: follow a search from the
search page, confirm through the link in the message a real SMTP server
received, get an alert when a matching waiver is posted, unsubscribe in one
click. The mail commands run as cron would run them, against the live
server's database."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from alerts.models import Subscription
from tests.admin.conftest import make_draft
from tests.browser.conftest import axe_violations
from tests.factories import post
from waivers import services
from waivers.models import PscCode

ADDRESS = "manufacturer@example.org"


@pytest.fixture
def mail(smtp_server, settings, live_server):
    settings.SITE_URL = live_server.url  # links in messages lead to this server
    return smtp_server


def deliver() -> None:
    with open("/dev/null", "w") as devnull:
        call_command("send_alerts", stdout=devnull)
        call_command("send_mail_outbox", stdout=devnull)


def link_in(text: str, path: str) -> str:
    return re.search(rf"(http://[^\s]+{path}[^\s]+/)", text)[1]


def test_follow_a_search_confirm_receive_an_alert_and_unsubscribe(page, mail, live_server):
    post(make_draft(procurement_title="Older laboratory laser"))
    page.goto("/waivers/?psc=6640")
    expect(page.locator("#results-heading")).to_contain_text("1 waiver")

    page.get_by_role("link", name="Email me new waivers that match this search").click()
    expect(page.locator("h1")).to_have_text("Email me new waivers that match this search")
    expect(page.locator(".site-follow-filters")).to_contain_text("PSC 6640")
    assert axe_violations(page) == []
    page.fill("#id_email", ADDRESS)
    page.get_by_text("As it happens").click()  # USWDS styles the label; the input is hidden
    expect(page.get_by_label("As it happens")).to_be_checked()
    page.get_by_role("button", name="Send me a confirmation link").click()
    expect(page.locator("h1")).to_have_text("Check your email")

    deliver()
    (confirmation,) = mail.messages_to(ADDRESS)
    assert confirmation.message["Subject"] == "Confirm your Made in America waiver alert"
    assert Subscription.objects.get().confirmed_at is None
    page.goto(link_in(confirmation.text, "/alerts/confirm/"))
    assert axe_violations(page) == []
    page.get_by_role("button", name="Confirm and start my alert").click()
    expect(page.locator("h1")).to_have_text("Your alert is on")

    post(
        make_draft(
            procurement_title="Tunable diode laser",
            psc=PscCode.objects.get(code="6640"),
        )
    )
    post(make_draft(procurement_title="Valves", psc=PscCode.objects.get(code="4820")))
    deliver()

    confirmation, alert = mail.messages_to(ADDRESS)
    assert alert.message["Subject"] == "1 new waiver matches your alert: PSC 6640"
    assert "Tunable diode laser" in alert.text and "Valves" not in alert.text
    assert "Older laboratory laser" not in alert.text  # posted before the alert began
    assert "Tunable diode laser" in alert.html
    assert alert.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header_link = alert.message["List-Unsubscribe"].strip().strip("<>")
    assert header_link.startswith(f"{live_server.url}/alerts/unsubscribe/")

    # The waiver link in the message opens the waiver.
    page.goto(link_in(alert.text, "/waivers/MIA-"))
    expect(page.locator("h1")).to_have_text("Tunable diode laser")

    # One click on the message's unsubscribe link's button.
    page.goto(link_in(alert.text, "/alerts/unsubscribe/"))
    expect(page.locator(".site-lead")).to_contain_text("PSC 6640")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Unsubscribe").click()
    expect(page.locator("h1")).to_have_text("You are unsubscribed")
    assert not Subscription.objects.exists()

    post(make_draft(procurement_title="Another laser", psc=PscCode.objects.get(code="6640")))
    deliver()
    assert len(mail.messages_to(ADDRESS)) == 2  # nothing more


def test_a_mail_providers_one_click_post_unsubscribes(page, mail, live_server):
    waiver = post(make_draft(procurement_title="Followed laser"))
    page.goto(waiver.get_absolute_url())
    page.get_by_role("link", name="Follow this waiver").click()
    page.fill("#id_email", ADDRESS)
    page.get_by_text("As it happens").click()
    page.get_by_role("button", name="Send me a confirmation link").click()
    deliver()
    (confirmation,) = mail.messages_to(ADDRESS)
    page.goto(link_in(confirmation.text, "/alerts/confirm/"))
    page.get_by_role("button", name="Confirm and start my alert").click()
    expect(page.locator("h1")).to_have_text("Your alert is on")

    services.withdraw(waiver, actor=None)
    deliver()
    alert = mail.messages_to(ADDRESS)[1]
    assert "the agency withdrew the waiver." in alert.text
    # RFC 8058: the provider POSTs `List-Unsubscribe=One-Click` to the header's link.
    response = page.request.post(
        alert.message["List-Unsubscribe"].strip().strip("<>"),
        form={"List-Unsubscribe": "One-Click"},
    )
    assert response.status == 200
    assert not Subscription.objects.exists()


def test_manage_my_alerts_pages_pass_axe(page, mail):
    page.goto("/alerts/manage/")
    assert axe_violations(page) == []
    page.fill("#id_email", "nobody@example.org")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    assert axe_violations(page) == []
