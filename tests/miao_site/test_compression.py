"""HTML is gzipped for the public, never where it holds a secret (BREACH)."""

import gzip

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_public_pages_are_compressed_for_clients_that_accept_it(client):
    response = client.get("/waivers/?q=laser", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert b"Search waivers" in gzip.decompress(response.content)
    assert "Accept-Encoding" in response["Vary"]


def test_no_compression_without_accept_encoding(client):
    response = client.get("/waivers/")
    assert not response.has_header("Content-Encoding")


def test_admin_pages_are_never_compressed(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_ENCODING="gzip")
    assert not response.has_header("Content-Encoding")


def test_pages_for_a_signed_in_user_are_never_compressed(client):
    client.force_login(UserFactory())
    response = client.get("/waivers/", HTTP_ACCEPT_ENCODING="gzip")
    assert not response.has_header("Content-Encoding")


def test_a_page_holding_a_csrf_token_is_never_compressed(client):
    response = client.get("/alerts/follow/?q=laser", HTTP_ACCEPT_ENCODING="gzip")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert not response.has_header("Content-Encoding")
