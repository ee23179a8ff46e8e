"""CheckConstraintsInOneQuery (decision 0020): the same validation errors as
Django's own one-query-per-constraint path, in one query. It relies on
Django internals, so it is re-checked at every Django upgrade."""

import django
import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.test.utils import CaptureQueriesContext

from miao_site.check_constraints_in_one_query import CheckConstraintsInOneQuery
from tests.factories import WaiverFactory
from waivers.models import Waiver

pytestmark = pytest.mark.django_db

# The Django version these tests, and the internals the measure uses
# (Model._get_field_expression_map, Query(None)), were last checked against.
CHECKED_WITH_DJANGO = (5, 2)


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


def test_used_only_by_the_waiver():
    from django.apps import apps

    users = [
        model
        for model in apps.get_models()
        if issubclass(model, CheckConstraintsInOneQuery) and not model._meta.proxy
    ]
    assert users == [Waiver]  # and its proxies (the review queue)


def test_stops_at_a_django_upgrade_until_checked_again():
    assert django.VERSION[:2] == CHECKED_WITH_DJANGO, (
        "Django was upgraded: check that CheckConstraintsInOneQuery still matches "
        "Model.validate_constraints (these tests), re-measure it (decision 0020) or "
        "remove it, then update CHECKED_WITH_DJANGO."
    )
