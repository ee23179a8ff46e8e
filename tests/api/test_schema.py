"""The OpenAPI document: valid OpenAPI 3, complete, and true of real
responses (the property-based run is tests/api/test_schemathesis.py)."""

import json
import re

import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils.html import escape
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from openapi_spec_validator import validate

from tests import site_data
from waivers.api.filters import ApiWaiverFilterSet
from waivers.filters import COUNTRY_CHOICES

pytestmark = pytest.mark.django_db


@pytest.fixture
def openapi(client):
    response = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(openapi):
    assert openapi["openapi"].startswith("3.")
    validate(openapi)


def parameters(openapi, path) -> dict:
    return {p["name"]: p for p in openapi["paths"][path]["get"]["parameters"]}


def test_every_filter_and_paging_parameter_is_described(openapi):
    listed = parameters(openapi, "/api/v1/waivers/")
    expected = {*ApiWaiverFilterSet.base_filters, "page", "page_size", "cursor", "fields", "format"}
    assert expected <= set(listed)
    assert all(listed[name].get("description") for name in expected)
    assert listed["naics"]["schema"]["pattern"] == r"^\d{2,6}$"
    assert listed["submitted_after"]["schema"] == {"type": "string", "format": "date"}
    # Every country code, each named in the description, as for the other choices.
    countries = listed["country"]
    assert countries["schema"]["items"]["enum"] == sorted(code for code, _ in COUNTRY_CHOICES)
    assert "* `FR` - France" in countries["description"].splitlines()
    stats = parameters(openapi, "/api/v1/stats/")
    assert set(ApiWaiverFilterSet.base_filters) <= set(stats)


def test_every_error_response_is_described(openapi):
    for path, item in openapi["paths"].items():
        responses = item["get"]["responses"]
        assert {"200", "304", "400", "401", "429"} <= set(responses), path
        if "{" in path:
            assert "404" in responses, path
        assert "Retry-After" in responses["429"]["headers"]
        assert {"ETag", "Last-Modified", "Cache-Control"} <= set(responses["200"]["headers"])


def test_every_waiver_field_is_described(openapi):
    waiver = openapi["components"]["schemas"]["WaiverDetail"]["properties"]
    assert all(field.get("description") for name, field in waiver.items()), waiver
    assert {"price_preference", "jones_act", "urgent_report", "history"} <= set(waiver)


def test_optional_api_key_scheme(openapi):
    scheme = openapi["components"]["securitySchemes"]["ApiKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-Api-Key"}


def test_the_reference_is_rendered_from_the_schema_with_our_own_files(client, openapi):
    """/api/docs/ (decision 0019: server-rendered, replacing Swagger UI) shows
    every operation and schema of the document /api/v1/schema/ serves."""
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert not re.search(r'(src|href)="(https?:)?//', html)  # no CDN, nothing from elsewhere
    for path, operations in openapi["paths"].items():
        for operation in operations.values():
            assert escape(operation["summary"]) in html, path
            assert f"<code>{path}</code>" in html
    for name in openapi["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    # Parameter descriptions and allowed values come through.
    assert "An unknown code is a 400." in html
    assert "<code>csv</code>" in html
    assert len(response.content) < 300_000
    assert client.get("/api/v1/schema/").status_code == 200


# --- real responses against the schema -------------------------------------


def _generated_schema() -> dict:
    """The document /api/v1/schema/ serves, built in-process (no HTTP, no database)."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


live_schema = schemathesis.openapi.from_dict(_generated_schema())
live_schema.app = get_wsgi_application()
# schemathesis asks for gzip like any HTTP client, but its in-process WSGI
# call does not inflate what comes back (public responses are compressed,
# decision 0018): ask for the plain body.
PLAIN = {"Accept-Encoding": "identity"}


@pytest.fixture
def live_data(settings, catalogue):
    """Data to find, generous limits (the run tests behaviour, not the rate
    limit), and the database connection kept open across in-process requests
    as Django's own test client does."""
    settings.API_RATE_ANON = "100000/minute"
    settings.ALLOWED_HOSTS = ["*"]
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield catalogue
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize(
    ("path", "path_parameters", "query"),
    [
        ("/api/v1/waivers/", {}, {"page_size": 100}),
        ("/api/v1/waivers/", {}, {"cursor": "*", "page_size": 2}),
        ("/api/v1/waivers/", {}, {"q": "laser", "fields": "public_id,title"}),
        ("/api/v1/agencies/", {}, {"has_waivers": "true"}),
        ("/api/v1/agencies/{code}/", {"code": "097"}, {}),
        ("/api/v1/agencies/{code}/", {"code": "97AS"}, {}),
        ("/api/v1/naics/", {}, {"q": "3345"}),
        ("/api/v1/naics/{code}/", {"code": "334516"}, {}),
        ("/api/v1/psc/", {}, {"active": "false"}),
        ("/api/v1/psc/{code}/", {"code": "6640"}, {}),
        ("/api/v1/stats/", {}, {}),
        ("/api/v1/stats/", {}, {"psc": "66"}),
    ],
)
def test_real_responses_match_the_schema(live_data, path, path_parameters, query):
    operation = live_schema[path]["GET"]
    case = operation.Case(path_parameters=path_parameters, query=query)
    response = case.call(headers=PLAIN)
    assert response.status_code == 200, response.text
    operation.validate_response(response)


def test_every_waiver_type_detail_matches_the_schema(live_data):
    operation = live_schema["/api/v1/waivers/{public_id}/"]["GET"]
    for waiver in site_data.every_type().values():
        case = operation.Case(path_parameters={"public_id": waiver.public_id})
        response = case.call(headers=PLAIN)
        assert response.status_code == 200, response.text
        operation.validate_response(response)


def test_schema_generates_without_warnings(tmp_path):
    """A warning would also fail `check --deploy` (drf-spectacular reports them there)."""
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(tmp_path / "s.yaml"))
