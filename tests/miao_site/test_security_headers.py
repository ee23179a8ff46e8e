"""Content-Security-Policy and Permissions-Policy on every kind of response
(django-csp and django-permissions-policy, configured in settings)."""

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PATHS = [
    "/",
    "/waivers/",
    "/waivers/export.csv",
    "/waivers/feed/",
    "/stats/",
    "/api/",
    "/api/docs/",
    "/api/docs/?script=",
    "/api/v1/waivers/",
    "/api/v1/schema/",
    "/admin/login/",
    "/waivers/MIA-00000000/",  # the 404 page
    "/static/css/site.css",
]


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parts = (part.split() for part in policy.split(";") if part.strip())
    return {name: values for name, *values in parts}


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_a_strict_content_security_policy(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404), path
    policy = directives(response)
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    for name in ("script-src", "style-src"):
        assert policy[name][0] == "'self'"
        assert all(value.startswith("'nonce-") for value in policy[name][1:]), policy[name]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_denies_the_browser_features_the_site_does_not_use(client, path):
    features = dict(
        part.strip().split("=", 1) for part in client.get(path)["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "fullscreen"):
        assert features[feature] == "()", feature
    assert set(features.values()) == {"()"}


def test_the_admin_is_covered_too(client):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    response = client.get("/admin/waivers/waiver/add/")
    assert response.status_code == 200
    assert directives(response)["script-src"][0] == "'self'"
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]


def test_the_api_reference_needs_no_inline_script_or_style(client):
    """Swagger UI needed a nonce'd style block; the server-rendered reference
    (decision 0019) has no inline script, style element or style attribute,
    so its policy holds no nonce at all."""
    response = client.get("/api/docs/")
    html = response.content.decode()
    assert "<style" not in html and " style=" not in html
    assert "<script>" not in html and "<script nonce" not in html
    assert directives(response)["style-src"] == ["'self'"]
    assert directives(response)["script-src"] == ["'self'"]


def test_the_api_reference_answers_options_without_an_error(client):
    """OPTIONS /api/docs/ rendered a template that does not exist (a 500)."""
    response = client.options("/api/docs/")
    assert response.status_code == 405
    assert "GET" in response["Allow"]
