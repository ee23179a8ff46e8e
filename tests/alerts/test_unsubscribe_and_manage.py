"""Leaving: one-click unsubscribe (RFC 8058) and the manage-my-alerts page,
whose answer is the same whether or not the address follows anything."""

import re

import pytest
from django.core import signing
from django.test import Client

from alerts import tokens
from alerts.models import Subscriber, Subscription
from outbox.models import OutboxMessage
from tests.admin.conftest import make_draft
from tests.alerts.helpers import subscribe
from tests.factories import post

pytestmark = pytest.mark.django_db


def unsubscribe_path(subscription: Subscription) -> str:
    return f"/alerts/unsubscribe/{tokens.make('unsubscribe', subscription.pk)}/"


def test_the_unsubscribe_link_asks_before_it_unsubscribes(client):
    subscription = subscribe("reader@example.org", query="psc=66")
    page = client.get(unsubscribe_path(subscription))
    assert page.status_code == 200 and b"Stop this alert?" in page.content
    assert b"PSC 66" in page.content
    assert Subscription.objects.filter(pk=subscription.pk).exists()  # a link scanner stops nothing


def test_one_click_unsubscribe_as_a_mail_provider_sends_it(client):
    """RFC 8058: a POST with `List-Unsubscribe=One-Click`, no cookies, no CSRF token."""
    kept = subscribe("reader@example.org", query="psc=66")
    gone = subscribe("reader@example.org", query="psc=70")
    provider = Client(enforce_csrf_checks=True)
    response = provider.post(
        unsubscribe_path(gone),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200 and b"You are unsubscribed" in response.content
    assert list(Subscription.objects.values_list("pk", flat=True)) == [kept.pk]
    # Again: the alert is gone, the page says so, nothing else changes.
    again = provider.post(
        unsubscribe_path(gone),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert again.status_code == 404 and b"This alert does not exist" in again.content
    assert Subscription.objects.count() == 1


def test_the_address_is_forgotten_with_its_last_subscription(client):
    subscription = subscribe("reader@example.org")
    client.post(unsubscribe_path(subscription))
    assert not Subscriber.objects.exists()


def test_a_tampered_unsubscribe_link_changes_nothing(client):
    subscription = subscribe("reader@example.org")
    token = tokens.make("unsubscribe", subscription.pk)
    forged = signing.dumps(subscription.pk + 1, salt="not-the-right-salt")
    for path in (f"/alerts/unsubscribe/{token}x/", f"/alerts/unsubscribe/{forged}/"):
        response = client.post(path)
        assert response.status_code == 400 and b"Nothing was changed." in response.content
    assert Subscription.objects.count() == 1


def test_unsubscribe_links_do_not_expire(client, monkeypatch):
    subscription = subscribe("reader@example.org")
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 400 * 86400)
    old = tokens.make("unsubscribe", subscription.pk)
    monkeypatch.setattr(signing.time, "time", real_time)
    assert client.post(f"/alerts/unsubscribe/{old}/").status_code == 200
    assert not Subscription.objects.exists()


def manage_link(message: OutboxMessage) -> str:
    return re.search(r"http://127\.0\.0\.1:8000(/alerts/manage/[^/\s]+/)", message.text_body)[1]


def test_the_manage_page_answers_the_same_whatever_the_address_follows(client):
    subscribe("follower@example.org")
    OutboxMessage.objects.all().delete()
    known = client.post("/alerts/manage/", {"email": "Follower@example.org"})
    unknown = client.post("/alerts/manage/", {"email": "stranger@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/alerts/manage/sent/"
    sent_page = client.get("/alerts/manage/sent/")
    assert b"If that address follows anything here" in sent_page.content
    # Only the address that follows something is mailed.
    (message,) = OutboxMessage.objects.all()
    assert (message.kind, message.to) == ("alerts.manage_link", "follower@example.org")
    assert "It works for 48 hours" in message.text_body


def test_the_manage_link_lists_alerts_and_changes_them(client):
    waiver = post(make_draft())
    search = subscribe("follower@example.org", query="psc=66")
    followed = subscribe("follower@example.org", waiver=waiver, frequency="immediate")
    other = subscribe("someone@example.org", query="psc=66")
    client.post("/alerts/manage/", {"email": "follower@example.org"})
    link = manage_link(OutboxMessage.objects.get(kind="alerts.manage_link"))

    page = client.get(link)
    assert page.status_code == 200
    body = page.content.decode()
    assert "PSC 66…" in body and waiver.public_id in body
    assert "follower@example.org" not in body  # not even to its owner, in case the link is shared

    response = client.post(
        link, {"action": "frequency", "subscription": search.pk, "frequency": "weekly"}
    )
    assert response.status_code == 302
    search.refresh_from_db()
    assert search.frequency == "weekly"

    client.post(link, {"action": "stop", "subscription": followed.pk})
    assert not Subscription.objects.filter(pk=followed.pk).exists()

    # Someone else's subscription cannot be reached through this link.
    response = client.post(link, {"action": "stop", "subscription": other.pk})
    assert response.status_code == 404
    assert Subscription.objects.filter(pk=other.pk).exists()

    client.post(link, {"action": "forget"})
    assert not Subscriber.objects.filter(email="follower@example.org").exists()
    assert b"This address follows nothing" in client.get(link).content


def test_manage_links_expire_and_cannot_be_forged(client, monkeypatch):
    subscription = subscribe("follower@example.org")
    subscriber_id = subscription.subscriber_id
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 49 * 3600)
    old = tokens.make("manage", subscriber_id)
    monkeypatch.setattr(signing.time, "time", real_time)
    assert client.get(f"/alerts/manage/{old}/").status_code == 410
    assert client.post(f"/alerts/manage/{old}/", {"action": "forget"}).status_code == 410
    confirm_token = tokens.make("confirm", subscriber_id)  # another purpose
    assert client.post(f"/alerts/manage/{confirm_token}/", {"action": "forget"}).status_code == 400
    assert Subscriber.objects.filter(pk=subscriber_id).exists()


def test_a_bad_address_on_the_manage_page_gets_a_field_message(client):
    response = client.post("/alerts/manage/", {"email": "nope"})
    assert response.status_code == 400
    assert response.context["form"].errors["email"]
    assert not OutboxMessage.objects.exists()
