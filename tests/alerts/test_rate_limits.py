"""Follow and manage-link requests are rate limited per client address and
per email address (counted in the cache); over the limit nothing changes."""

import pytest

from alerts.models import Subscriber, Subscription
from outbox.models import OutboxMessage

pytestmark = pytest.mark.django_db


def follow(client, email, query="psc=66", **extra):
    return client.post(
        "/alerts/follow/", {"email": email, "frequency": "daily", "query": query}, **extra
    )


def test_one_address_gets_at_most_its_rate(client, settings):
    settings.ALERTS_RATE_PER_ADDRESS = "3/hour"
    settings.ALERTS_RATE_PER_CLIENT = "100/hour"
    for n in range(3):
        assert follow(client, "target@example.org", query=f"psc={60 + n}").status_code == 302
    # From another client too: the address is what is counted.
    response = follow(client, "Target@Example.org", query="psc=70", REMOTE_ADDR="10.9.9.9")
    assert response.status_code == 429
    assert b"Too many requests" in response.content
    assert Subscription.objects.count() == 3
    assert OutboxMessage.objects.count() == 3
    assert follow(client, "other@example.org").status_code == 302


def test_one_client_gets_at_most_its_rate_whatever_the_addresses(client, settings):
    settings.ALERTS_RATE_PER_CLIENT = "2/hour"
    settings.ALERTS_RATE_PER_ADDRESS = "100/hour"
    assert follow(client, "a@example.org").status_code == 302
    assert client.post("/alerts/manage/", {"email": "b@example.org"}).status_code == 302
    assert follow(client, "c@example.org").status_code == 429
    assert client.post("/alerts/manage/", {"email": "d@example.org"}).status_code == 429
    # Bad input counts too, so it cannot be used to probe without limit.
    assert client.post("/alerts/follow/", {"email": "bad"}).status_code == 429
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["a@example.org"]
    assert follow(client, "e@example.org", REMOTE_ADDR="10.1.2.3").status_code == 302
