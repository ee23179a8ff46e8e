"""A property-based run of schemathesis against the live API, in process:
every built-in check on every operation, and stateful sequences that follow
the schema's OpenAPI links (a list to its first row, a waiver to its agency
and codes, an agency or code to its waivers).

`make test` runs a short pass (SCHEMATHESIS_EXAMPLES examples an operation,
default 15; no coverage phase). `make schemathesis` (run by .ci/run after
`make test`) is the long pass: 200 examples an operation, the coverage phase
(boundary values of every parameter) and longer stateful runs.
"""

import json
import os

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from waivers.api.filters import ORDERING_ALIASES

pytestmark = pytest.mark.django_db

LONG = os.environ.get("SCHEMATHESIS_RUN") == "long"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "200" if LONG else "15"))
STATEFUL_SCENARIOS = 100 if LONG else 10


def _generated_schema() -> dict:
    """The document /api/v1/schema/ serves, built in-process (no HTTP, no database)."""
    raw = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(raw))


CONFIG = SchemathesisConfig.from_dict(
    {
        # Django's forms refuse a NUL character in any text parameter (a 400
        # that test_bad_input.py covers); the schema does not repeat it for each.
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "allow-x00": False},
        "phases": {
            "examples": {"enabled": True},
            "coverage": {"enabled": LONG},
            "fuzzing": {"enabled": True},
            "stateful": {"enabled": True, "max-steps": 8},
        },
    }
)
api = schemathesis.openapi.from_dict(_generated_schema(), config=CONFIG)
api.app = get_wsgi_application()

# Codes of the catalogue's agencies (tests/waivers/search_catalogue.py).
KNOWN_AGENCIES = ("097", "97AS", "013", "1341", "6920")
KNOWN_DEPARTMENTS = ("097", "013")
KNOWN_PSC = ("66", "6640", "R4", "laboratory")
KNOWN_NAICS = ("33", "3345", "334516", "instruments")
CURSOR_ORDERINGS = [alias for alias, key in ORDERING_ALIASES.items() if key in ("newest", "oldest")]


def _pick(choices: tuple[str, ...], generated) -> str:
    return choices[sum(map(ord, str(generated))) % len(choices)]


@api.hook("map_case")
def valid_for_this_data(context, case):
    """Validity that OpenAPI 3.0 cannot state, made true of the requests
    meant to be valid (the positive ones; the negative ones are left alone):
    agency and department codes that exist, a cursor that is `*` without
    `page` and with an ordering it can follow, and a last day that has a
    following one. The API answers each of these with a 400 that names the
    parameter (test_bad_input.py, test_cursor.py, tests/waivers/test_filters.py),
    which the positive_data_acceptance check would otherwise report.

    Every request asks for a plain body: schemathesis asks for gzip like any
    HTTP client, but its in-process WSGI call does not inflate what comes
    back (public responses are compressed, decision 0018)."""
    case.headers = {**(case.headers or {}), "Accept-Encoding": "identity"}
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or not isinstance(case.query, dict):
        return case
    query = case.query
    if query.get("agency") not in (None, "", []):
        values = query["agency"] if isinstance(query["agency"], list) else [query["agency"]]
        query["agency"] = [_pick(KNOWN_AGENCIES, value) for value in values]
    if query.get("department"):
        query["department"] = _pick(KNOWN_DEPARTMENTS, query["department"])
    if "cursor" in query:
        query["cursor"] = "*"
        query.pop("page", None)
        if query.get("ordering") not in CURSOR_ORDERINGS:
            query["ordering"] = "newest"
    # Words are read as names and must match one (a 400 otherwise, which
    # test_bad_input.py covers): positive requests name codes that exist.
    if query.get("psc") and not str(query["psc"]).isdigit():
        query["psc"] = _pick(KNOWN_PSC, query["psc"])
    if query.get("naics") and not str(query["naics"]).isdigit():
        query["naics"] = _pick(KNOWN_NAICS, query["naics"])
    if query.get("submitted_before") == "9999-12-31":
        query["submitted_before"] = "9999-12-30"
    return case


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


@api.parametrize()
@hypothesis_settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_every_operation_passes_every_check(case, live_data):
    """No server errors; status codes, content types, bodies and headers as
    documented; requests the schema allows are accepted and those it rules
    out are refused (all of schemathesis's checks)."""
    case.call_and_validate()


APIWorkflow = api.as_state_machine()


def test_sequences_that_follow_the_links_pass_every_check(live_data):
    assert api.statistic.transitions.total >= 11  # the schema's links (waivers/api/schema.py)
    APIWorkflow.run(
        settings=hypothesis_settings(
            max_examples=STATEFUL_SCENARIOS,
            stateful_step_count=8,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
    )
