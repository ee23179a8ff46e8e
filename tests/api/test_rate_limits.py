"""Rate limits per client, and API keys that raise them."""

import pytest
from django.utils import timezone

from tests.factories import UserFactory
from waivers.api.models import ApiKey, hash_key

pytestmark = pytest.mark.django_db
URL = "/api/v1/naics/?q=3345"


@pytest.fixture
def small_limits(settings):
    settings.API_RATE_ANON = "3/minute"
    settings.API_RATE_KEY = "6/minute"


def issue_key(**fields) -> tuple[ApiKey, str]:
    defaults = {
        "name": "Supplier finder",
        "owner": "Acme Manufacturing",
        "contact_email": "data@acme.example",
    }
    return ApiKey.issue(**{**defaults, **fields})


def statuses(client, count, **headers) -> list[int]:
    return [client.get(URL, **headers).status_code for _ in range(count)]


def test_anonymous_clients_get_429_with_retry_after(client, small_limits):
    assert statuses(client, 3) == [200, 200, 200]
    response = client.get(URL)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()
    assert response["Cache-Control"] == "no-store"


def test_responses_say_how_many_requests_are_left(client, small_limits):
    first = client.get(URL)
    assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("3", "2")
    client.get(URL)
    assert client.get(URL)["X-RateLimit-Remaining"] == "0"
    assert client.get(URL)["X-RateLimit-Remaining"] == "0"  # the 429


def test_limits_are_counted_per_client_address(client, small_limits):
    assert statuses(client, 4, REMOTE_ADDR="10.0.0.1")[-1] == 429
    assert statuses(client, 1, REMOTE_ADDR="10.0.0.2") == [200]


def test_forwarded_for_is_not_trusted_without_proxies(client, small_limits):
    codes = [client.get(URL, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}").status_code for n in range(4)]
    assert codes[-1] == 429


def test_an_api_key_raises_the_limit(client, small_limits):
    key, raw = issue_key()
    assert statuses(client, 6, HTTP_X_API_KEY=raw) == [200] * 6
    assert client.get(URL, HTTP_X_API_KEY=raw).status_code == 429
    # The key's counter is its own: anonymous requests still have theirs.
    assert client.get(URL).status_code == 200


def test_key_use_is_recorded(client):
    key, raw = issue_key()
    assert key.last_used_at is None
    client.get(URL, HTTP_X_API_KEY=raw)
    key.refresh_from_db()
    assert key.last_used_at is not None
    assert timezone.now() - key.last_used_at < timezone.timedelta(minutes=1)


def test_unknown_or_revoked_keys_are_refused(client):
    key, raw = issue_key()
    response = client.get(URL, HTTP_X_API_KEY="miao_not-a-real-key")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unknown or revoked API key (X-Api-Key)."}
    ApiKey.objects.filter(pk=key.pk).update(is_active=False)
    assert client.get(URL, HTTP_X_API_KEY=raw).status_code == 401


def test_refused_keys_count_against_the_client_address(client, small_limits):
    """Guessing keys is limited like any request: each refused key is counted
    against the address, then the answer is 429."""
    bad = {"HTTP_X_API_KEY": "miao_guess", "REMOTE_ADDR": "10.0.0.7"}
    assert statuses(client, 3, **bad) == [401, 401, 401]
    response = client.get(URL, **bad)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert response["X-RateLimit-Remaining"] == "0"
    # The same budget as the address's anonymous requests; others are untouched.
    assert statuses(client, 1, REMOTE_ADDR="10.0.0.7") == [429]
    assert statuses(client, 1, REMOTE_ADDR="10.0.0.8") == [200]


def test_only_a_hash_of_the_key_is_stored(client):
    key, raw = issue_key()
    assert raw.startswith("miao_") and len(raw) > 40
    assert key.hashed_key == hash_key(raw) != raw
    assert raw not in str(ApiKey.objects.filter(pk=key.pk).values().get())
    assert key.prefix == raw[:11]


def test_admin_issues_a_key_and_shows_it_once(client):
    admin = UserFactory(username="keyissuer", is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/waivers_api/apikey/add/",
        {
            "name": "Analytics",
            "owner": "Watchdog Group",
            "contact_email": "api@watchdog.example",
            "is_active": "on",
        },
    )
    assert response.status_code == 200
    key = ApiKey.objects.get(name="Analytics")
    raw = response.context["raw_key"]
    assert key.hashed_key == hash_key(raw)
    assert raw in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    # Never again: the change page shows the prefix only.
    page = client.get(f"/admin/waivers_api/apikey/{key.pk}/change/").content.decode()
    assert raw not in page and key.prefix in page
    # The key works.
    client.logout()
    assert client.get(URL, HTTP_X_API_KEY=raw).status_code == 200


def test_staff_session_gives_no_extra_access(client, catalogue):
    client.force_login(UserFactory(username="staffer", is_superuser=True))
    draft_id = catalogue.draft.public_id
    assert client.get(f"/api/v1/waivers/{draft_id}/").status_code == 404
