"""Cache-Control, ETag, Last-Modified and conditional GET (304)."""

import datetime as dt

import pytest
from django.utils.http import http_date

from tests.factories import WaiverFactory, post
from waivers.models import Waiver

pytestmark = pytest.mark.django_db
URL = "/api/v1/waivers/"


@pytest.mark.parametrize(
    "url",
    [
        URL,
        f"{URL}?psc=66",
        "/api/v1/agencies/",
        "/api/v1/naics/?q=33",
        "/api/v1/psc/",
        "/api/v1/stats/",
    ],
)
def test_responses_carry_caching_headers_and_answer_304(client, catalogue, settings, url):
    settings.API_CACHE_MAX_AGE = 120
    response = client.get(url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=120, stale-while-revalidate=300"
    assert response["ETag"].startswith('"')
    assert response.has_header("Last-Modified")
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == response["ETag"]
    assert again.has_header("X-RateLimit-Remaining")
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert since.status_code == 304


def test_detail_conditional_get(client, catalogue):
    url = f"{URL}{catalogue.laser.public_id}/"
    etag = client.get(url)["ETag"]
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


def test_a_change_invalidates_etag_and_last_modified(client, catalogue):
    first = client.get(URL)
    post(WaiverFactory(procurement_title="Freshly posted"))
    response = client.get(URL, HTTP_IF_NONE_MATCH=first["ETag"])
    assert response.status_code == 200
    assert response["ETag"] != first["ETag"]
    assert (
        client.get(
            URL,
            HTTP_IF_MODIFIED_SINCE=http_date(
                (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)).timestamp()
            ),
        ).status_code
        == 200
    )


def test_different_queries_have_different_etags(client, catalogue):
    assert client.get(URL)["ETag"] != client.get(URL, {"psc": "66"})["ETag"]


def test_csv_has_a_weak_etag_and_answers_304(client, catalogue):
    response = client.get(URL, {"format": "csv"})
    b"".join(response.streaming_content)
    assert response["ETag"].startswith('W/"')
    again = client.get(URL, {"format": "csv"}, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    # A JSON request with the same parameters has another tag.
    assert client.get(URL)["ETag"] != response["ETag"]


def test_cors_allows_any_origin_to_get(client, catalogue):
    response = client.get(URL, HTTP_ORIGIN="https://example.com")
    assert response["Access-Control-Allow-Origin"] == "*"
    preflight = client.options(
        URL, HTTP_ORIGIN="https://example.com", HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET"
    )
    assert preflight.status_code == 200
    assert "GET" in preflight["Access-Control-Allow-Methods"]


def test_cors_lets_other_sites_send_a_key_and_read_the_validators_and_limits(client, catalogue):
    preflight = client.options(
        URL,
        HTTP_ORIGIN="https://example.com",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="x-api-key",
    )
    assert preflight.status_code == 200
    allowed = {h.strip().lower() for h in preflight["Access-Control-Allow-Headers"].split(",")}
    assert "x-api-key" in allowed
    response = client.get(URL, HTTP_ORIGIN="https://example.com")
    exposed = {h.strip().lower() for h in response["Access-Control-Expose-Headers"].split(",")}
    assert {"etag", "x-ratelimit-limit", "x-ratelimit-remaining", "retry-after"} <= exposed


@pytest.mark.parametrize("url", [URL, f"{URL}?format=csv", "/api/v1/stats/"])
def test_a_deletion_moves_both_validators(committed_db, client, url):
    """After a public waiver is deleted, neither the old ETag nor the old date
    gets a 304 (the deletion moved the data version, within the same second too)."""
    doomed = post(WaiverFactory(procurement_title="Soon deleted"))
    post(WaiverFactory())
    first = client.get(url)
    b"".join(first.streaming_content) if first.streaming else first.content
    Waiver.objects.filter(pk=doomed.pk).delete()
    by_tag = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert (by_tag.status_code, by_date.status_code) == (200, 200)
    assert by_tag["ETag"] != first["ETag"]


def test_every_conditional_endpoint_moves_its_validators_on_a_write(committed_db, client):
    """Beside the list, CSV and stats above: every other endpoint that answers
    304 stops matching the old validators once writes (deletions among them)
    change its result."""
    from waivers.models import NaicsCode, PscCode

    retitled = post(WaiverFactory(procurement_title="Soon retitled"))
    doomed = post(WaiverFactory(procurement_title="Soon deleted"))
    naics = NaicsCode.objects.create(code="999998", title="Soon deleted", in_reference=False)
    psc = PscCode.objects.create(code="Z999", name="Soon deleted", full_name="")
    PscCode.objects.create(code="Z998", name="Stays", full_name="")
    changed = [
        f"{URL}?page=1&format=csv",
        f"{URL}?cursor=*",
        f"{URL}{retitled.public_id}/",
        "/api/v1/agencies/?has_waivers=true",
        "/api/v1/agencies/?format=csv",
        "/api/v1/agencies/1341/",
        "/api/v1/naics/?q=99999",
        "/api/v1/naics/?q=99999&format=csv",
        "/api/v1/psc/?q=Z99",
    ]
    unchanged = "/api/v1/psc/Z998/"
    gone = f"{URL}{doomed.public_id}/"
    first = {}
    for url in [*changed, unchanged, gone]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.content)
        b"".join(response.streaming_content) if response.streaming else response.content
        first[url] = response

    Waiver.objects.filter(pk=retitled.pk).update(procurement_title="Retitled")
    Waiver.objects.filter(pk=doomed.pk).delete()
    naics.delete()
    psc.delete()

    for url in changed:
        by_tag = client.get(url, HTTP_IF_NONE_MATCH=first[url]["ETag"])
        by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first[url]["Last-Modified"])
        assert (by_tag.status_code, by_date.status_code) == (200, 200), url
        assert by_tag["ETag"] != first[url]["ETag"], url
    assert client.get(gone, HTTP_IF_NONE_MATCH=first[gone]["ETag"]).status_code == 404
    # A body that did not change keeps its tag; the date still moved.
    assert client.get(unchanged, HTTP_IF_NONE_MATCH=first[unchanged]["ETag"]).status_code == 304
    since = client.get(unchanged, HTTP_IF_MODIFIED_SINCE=first[unchanged]["Last-Modified"])
    assert since.status_code == 200
