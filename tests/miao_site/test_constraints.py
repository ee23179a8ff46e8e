"""OneQueryCheckConstraints: the same validation errors as Django's own
one-query-per-constraint path, in one query."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from tests.factories import WaiverFactory
from waivers.models import Waiver

pytestmark = pytest.mark.django_db


def errors(validate) -> dict:
    try:
        validate()
    except ValidationError as exc:
        return {
            field: [(e.message % (e.params or {}), e.code) for e in items]
            for field, items in exc.error_dict.items()
        }
    return {}


def broken_waiver() -> Waiver:
    """Saved waiver, then changed in memory to break several check constraints
    (a bad status, a determination on a draft without its conditions) and a
    unique one (another waiver's source id)."""
    WaiverFactory(source_id="taken")
    waiver = WaiverFactory()
    waiver.status = "nonsense"
    waiver.determination = Waiver.Determination.CONDITIONALLY_CONSISTENT
    waiver.source_id = "taken"
    return waiver


def test_errors_are_djangos_own_messages_codes_and_order():
    waiver = broken_waiver()
    ours = errors(waiver.validate_constraints)
    djangos = errors(lambda: models.Model.validate_constraints(waiver))
    assert ours == djangos
    violated = str(ours)
    for name in (
        "waiver_status_valid",
        "waiver_conditional_has_conditions",
        "waiver_source_id_unique",
    ):
        assert name in violated


def test_a_valid_waiver_passes_and_checks_cost_one_query():
    waiver = WaiverFactory()
    with CaptureQueriesContext(connection) as ours:
        waiver.validate_constraints()
    with CaptureQueriesContext(connection) as djangos:
        models.Model.validate_constraints(waiver)
    checks = len([c for c in Waiver._meta.constraints if type(c) is models.CheckConstraint])
    assert checks >= 10
    # Django: a savepoint, the query and its release for each check.
    assert len(djangos) - len(ours) == 3 * checks - 3


def test_conditions_on_excluded_fields_are_skipped_as_django_does():
    waiver = broken_waiver()
    exclude = {"determination"}
    ours = errors(lambda: waiver.validate_constraints(exclude=exclude))
    assert ours == errors(lambda: models.Model.validate_constraints(waiver, exclude=exclude))
    assert "waiver_status_valid" in str(ours)
    assert "waiver_conditional_has_conditions" not in str(ours)
