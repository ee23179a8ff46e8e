"""Cache-Control and validators for proxies and CDNs (miao_site.http_caching):
anonymous pages are public with stale-while-revalidate and an ETag; pages
with a form, a session or a recent write stay private."""

import pytest
from django.http import HttpResponse

from miao_site.http_caching import CacheHeadersMiddleware
from miao_site.replicas import RECENT_WRITE_COOKIE
from tests.factories import WaiverFactory, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiver():
    return post(WaiverFactory(procurement_title="Cacheable page marker"))


def directives(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/about/",
        "/waivers/",
        "/stats/",
        "/agencies/",
        "/waivers/?ending_within=90&sort=expires",
    ],
)
def test_anonymous_pages_are_public_with_an_etag_and_answer_304(client, settings, waiver, path):
    settings.PAGE_CACHE_MAX_AGE = 90
    settings.CACHE_STALE_WHILE_REVALIDATE = 600
    response = client.get(path)
    assert response.status_code == 200
    assert directives(response) == {
        "public",
        "max-age=0",
        "s-maxage=90",
        "stale-while-revalidate=600",
    }
    assert not response.cookies
    etag = response["ETag"]
    assert etag.startswith('"')
    again = client.get(path, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again.content == b""
    assert client.get(path, HTTP_IF_NONE_MATCH='"older"').status_code == 200


def test_waiver_page_is_public(client, waiver):
    response = client.get(f"/waivers/{waiver.public_id}/")
    assert "public" in directives(response)
    assert response.has_header("ETag")


def test_a_change_changes_the_pages_etag(client, waiver):
    first = client.get("/waivers/")
    post(WaiverFactory(procurement_title="A second cacheable waiver"))
    again = client.get("/waivers/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert b"A second cacheable waiver" in again.content


def test_api_responses_gain_stale_while_revalidate(client, waiver, settings):
    settings.API_CACHE_MAX_AGE = 120
    settings.CACHE_STALE_WHILE_REVALIDATE = 30
    response = client.get("/api/v1/waivers/")
    assert directives(response) == {"public", "max-age=120", "stale-while-revalidate=30"}
    assert response.has_header("Last-Modified")
    assert client.get("/api/v1/waivers/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


@pytest.mark.parametrize("path_for", [lambda w: "/alerts/follow/", lambda w: "/alerts/manage/"])
def test_pages_with_a_form_stay_private(client, waiver, path_for):
    response = client.get(path_for(waiver))
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert "private" in directives(response)
    assert "public" not in directives(response)
    assert not response.has_header("ETag")


def test_supplier_response_form_stays_private(client, waiver):
    response = client.get(f"/waivers/{waiver.public_id}/respond/")
    assert response.status_code == 200
    assert "private" in directives(response)


def test_signed_in_and_recent_writers_get_private_pages(client, waiver, django_user_model):
    client.cookies[RECENT_WRITE_COOKIE] = "1"
    assert "private" in directives(client.get("/waivers/"))
    client.cookies.clear()
    user = django_user_model.objects.create_user("staffer", password="x" * 16, is_staff=True)
    client.force_login(user)
    response = client.get("/waivers/")
    assert "private" in directives(response)
    assert "public" not in directives(response)


def test_errors_and_writes_are_not_made_cacheable(client, waiver):
    missing = client.get("/waivers/MIA-NOTHERE1/")
    assert missing.status_code == 404
    assert "public" not in missing.get("Cache-Control", "")
    written = client.post("/alerts/follow/", {})
    assert "public" not in written.get("Cache-Control", "")


def test_a_page_whose_policy_carries_a_nonce_stays_private(rf):
    # A nonce is good for one response only: a shared cache must not serve it
    # again. (No page of the site uses one today; the rule stays for the next.)
    def page(request):
        response = HttpResponse("<p>page</p>")
        response["Content-Security-Policy"] = "script-src 'nonce-abc123'"
        return response

    response = CacheHeadersMiddleware(page)(rf.get("/waivers/"))
    assert response.status_code == 200
    assert "private" in directives(response)
    assert "public" not in directives(response)
