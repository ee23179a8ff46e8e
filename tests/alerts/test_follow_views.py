"""Following a search or a waiver from the site: the follow pages, double
opt-in, bad input, CSRF, and the same answer whatever the address follows."""

import re

import pytest
from django.core import signing
from django.test import Client

from alerts import tokens
from alerts.models import Subscriber, Subscription
from outbox.addresses import address_key
from outbox.models import OutboxMessage
from tests.admin.conftest import make_draft
from tests.alerts.helpers import subscribe
from tests.factories import post
from waivers.models import Waiver

pytestmark = pytest.mark.django_db


def follow(client, query: str = "", email: str = "reader@example.org", frequency="daily"):
    return client.post("/alerts/follow/", {"query": query, "email": email, "frequency": frequency})


def confirm_link(message: OutboxMessage) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/alerts/confirm/[^/\s]+/)", message.text_body)[1]


def test_the_search_page_and_agency_pages_link_to_following_their_filter_state(client):
    page = client.get("/waivers/?naics=3345&psc=66&page=2&sort=oldest").content.decode()
    # The search's usable filters, as its export and feed links carry them.
    assert 'href="/alerts/follow/?naics=3345&amp;psc=66&amp;sort=oldest"' in page
    assert "Email me new waivers that match this search" in page
    agency_page = client.get("/agencies/national-institute-of-standards-and-technology/")
    body = agency_page.content.decode()
    assert 'href="/alerts/follow/?agency=1341"' in body
    assert "Email me new waivers from this agency" in body


def test_a_waiver_page_offers_to_follow_it_unless_withdrawn(client):
    open_one = post(make_draft())
    withdrawn = post(make_draft(), to=Waiver.Status.WITHDRAWN)
    assert (
        f'href="/alerts/follow/waiver/{open_one.public_id}/"'
        in client.get(f"/waivers/{open_one.public_id}/").content.decode()
    )
    assert (
        "/alerts/follow/waiver/"
        not in client.get(f"/waivers/{withdrawn.public_id}/").content.decode()
    )


def test_the_follow_page_says_in_words_what_will_be_sent(client):
    response = client.get("/alerts/follow/?naics=3345&agency=1341&page=3&sort=oldest")
    assert response.status_code == 200
    body = response.content.decode()
    assert "NAICS 3345" in body and "Agency: National Institute of Standards" in body
    # The canonical filter state travels in the form; display parameters do not.
    assert 'name="query" value="agency=1341&amp;naics=3345"' in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_a_search_with_bad_filters_cannot_be_followed(client):
    response = client.get("/alerts/follow/?naics=abc&agency=NOPE")
    assert response.status_code == 400
    assert "naics" in response.content.decode() and "agency" in response.content.decode()
    response = follow(client, query="naics=abc")
    assert response.status_code == 400
    assert not Subscription.objects.exists() and not OutboxMessage.objects.exists()


def test_following_a_search_asks_for_confirmation_and_sends_nothing_else(client):
    response = follow(client, query="naics=3345&psc=66", email=" Reader@Example.ORG ")
    assert response.status_code == 302 and response["Location"] == "/alerts/check-your-email/"
    subscription = Subscription.objects.get()
    assert (subscription.kind, subscription.query, subscription.frequency) == (
        "search",
        "naics=3345&psc=66",
        "daily",
    )
    assert subscription.confirmed_at is None
    assert subscription.subscriber.email == "Reader@example.org"
    assert subscription.subscriber.email_key == address_key("reader@example.org")
    (message,) = OutboxMessage.objects.all()
    assert (message.kind, message.to, message.requested) == (
        "alerts.confirm",
        "Reader@example.org",
        True,
    )
    assert "You asked to follow: NAICS 3345; PSC 66…" in message.text_body
    assert "the link works for 7 days" in message.text_body
    assert confirm_link(message) in message.html_body


def test_following_while_the_mail_server_is_down_answers_and_mails_once_it_is_up(client, settings):
    """No request waits on the mail server (issue 18, the mail finding): the
    confirmation is queued, and delivered when a real SMTP server is back."""
    from django.core.management import call_command

    from tests.smtp import LoopbackSMTP

    server = LoopbackSMTP()
    server.configure(settings)  # nothing listens on its port yet
    assert follow(client, query="psc=66").status_code == 302
    (message,) = OutboxMessage.objects.all()
    call_command("send_mail_outbox", stdout=open("/dev/null", "w"))  # noqa: SIM115
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)
    server.start()
    try:
        OutboxMessage.objects.update(next_attempt_at=message.created_at)  # its wait is over
        call_command("send_mail_outbox", stdout=open("/dev/null", "w"))  # noqa: SIM115
        (received,) = server.messages_to("reader@example.org")
        assert "/alerts/confirm/" in received.text
    finally:
        server.stop()
    message.refresh_from_db()
    assert message.status == "sent"


def test_the_confirmation_link_shows_a_button_and_confirms_on_post(client):
    follow(client, query="psc=66")
    link = confirm_link(OutboxMessage.objects.get())
    page = client.get(link)
    assert page.status_code == 200 and b"Confirm and start my alert" in page.content
    assert Subscription.objects.get().confirmed_at is None  # opening the link confirms nothing
    done = client.post(link)
    assert done.status_code == 200 and b"Your alert is on" in done.content
    subscription = Subscription.objects.get()
    assert subscription.confirmed_at is not None and subscription.due_at is not None
    again = client.get(link)
    assert b"already on" in again.content


def test_following_a_waiver(client):
    waiver = post(make_draft())
    page = client.get(f"/alerts/follow/waiver/{waiver.public_id}/")
    assert page.status_code == 200 and waiver.public_id.encode() in page.content
    response = client.post(
        f"/alerts/follow/waiver/{waiver.public_id}/",
        {"email": "watcher@example.org", "frequency": "immediate"},
    )
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert (subscription.kind, subscription.waiver_id, subscription.query) == (
        "waiver",
        waiver.pk,
        "",
    )
    assert f"Waiver {waiver.public_id}" in OutboxMessage.objects.get().text_body


def test_drafts_and_unknown_waivers_cannot_be_followed(client):
    draft = make_draft()
    for public_id in (draft.public_id, "MIA-NOPE0000"):
        assert client.get(f"/alerts/follow/waiver/{public_id}/").status_code == 404
        response = client.post(
            f"/alerts/follow/waiver/{public_id}/",
            {"email": "watcher@example.org", "frequency": "daily"},
        )
        assert response.status_code == 404
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    "data, field",
    [
        ({"email": "not-an-address", "frequency": "daily"}, "email"),
        ({"email": "", "frequency": "daily"}, "email"),
        ({"email": "a@example.org", "frequency": "hourly"}, "frequency"),
        ({"email": "a" * 250 + "@example.org", "frequency": "daily"}, "email"),
    ],
)
def test_bad_input_gets_field_messages_and_changes_nothing(client, data, field):
    response = client.post("/alerts/follow/", data)
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert b"usa-error-message" in response.content
    assert not Subscriber.objects.exists() and not OutboxMessage.objects.exists()


def test_forms_carry_csrf_protection():
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/alerts/follow/", {"email": "a@example.org", "frequency": "daily"})
    assert response.status_code == 403
    response = strict.post("/alerts/manage/", {"email": "a@example.org"})
    assert response.status_code == 403
    assert not OutboxMessage.objects.exists()


def test_asking_again_for_a_confirmed_alert_looks_the_same_and_mails_a_notice(client):
    subscribe("reader@example.org", query="psc=66")
    OutboxMessage.objects.all().delete()
    response = follow(client, query="psc=66")
    assert response.status_code == 302 and response["Location"] == "/alerts/check-your-email/"
    assert Subscription.objects.count() == 1
    (notice,) = OutboxMessage.objects.all()
    assert notice.kind == "alerts.already"
    assert "already follows it" in notice.text_body


def test_asking_again_before_confirming_sends_a_new_link_and_keeps_one_request(client):
    follow(client, query="psc=66", frequency="daily")
    follow(client, query="psc=66", frequency="weekly")
    subscription = Subscription.objects.get()
    assert subscription.frequency == "weekly"
    assert OutboxMessage.objects.filter(kind="alerts.confirm").count() == 2


def test_an_address_follows_at_most_fifty_things(client, settings):
    settings.ALERTS_RATE_PER_ADDRESS = "100/hour"
    settings.ALERTS_RATE_PER_CLIENT = "100/hour"
    for n in range(50):
        follow(client, query=f"q=item{n}")
    assert Subscription.objects.count() == 50
    response = follow(client, query="q=one-more")
    assert response.status_code == 302 and response["Location"] == "/alerts/check-your-email/"
    assert Subscription.objects.count() == 50
    notice = OutboxMessage.objects.order_by("-id").first()
    assert notice.kind == "alerts.limit" and "already follows 50 things" in notice.text_body


def test_tampered_expired_and_unknown_confirmation_links_change_nothing(client, monkeypatch):
    follow(client, query="psc=66")
    subscription = Subscription.objects.get()
    token = tokens.make("confirm", subscription.pk)

    tampered = client.post(f"/alerts/confirm/{token[:-2]}xx/")
    assert tampered.status_code == 400 and b"This link does not work" in tampered.content
    wrong_purpose = client.post(f"/alerts/confirm/{tokens.make('unsubscribe', subscription.pk)}/")
    assert wrong_purpose.status_code == 400
    unknown = client.post(f"/alerts/confirm/{tokens.make('confirm', 999999)}/")
    assert unknown.status_code == 404 and b"This alert does not exist" in unknown.content

    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 8 * 86400)
    old = tokens.make("confirm", subscription.pk)
    monkeypatch.setattr(signing.time, "time", real_time)
    expired = client.post(f"/alerts/confirm/{old}/")
    assert expired.status_code == 410 and b"This link has expired" in expired.content

    for response in (tampered, wrong_purpose, unknown, expired):
        assert b"Nothing was changed." in response.content
    assert Subscription.objects.get().confirmed_at is None
