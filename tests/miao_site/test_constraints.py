"""Model validation reports each violated constraint by name, with Django's
own messages, before the database would refuse the row."""

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

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


def violated(name: str) -> tuple[str, None]:
    return (f"Constraint “{name}” is violated.", None)


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


def test_every_violated_constraint_is_reported_by_name_in_model_order():
    waiver = broken_waiver()
    assert errors(waiver.validate_constraints) == {
        "__all__": [
            violated("waiver_status_valid"),
            violated("waiver_source_id_unique"),
            violated("waiver_posted_has_submitted_at"),
            violated("waiver_determination_only_when_reviewed"),
            violated("waiver_conditional_has_conditions"),
        ]
    }


def test_full_clean_reports_a_bad_field_on_the_field_and_the_rest_by_constraint():
    waiver = broken_waiver()
    reported = errors(waiver.full_clean)
    # A field that fails its own validation is left out of the constraint checks.
    assert reported["status"] == [("Value 'nonsense' is not a valid choice.", "invalid_choice")]
    assert reported["__all__"] == [
        violated("waiver_source_id_unique"),
        violated("waiver_conditional_has_conditions"),
    ]


def test_a_valid_waiver_passes():
    waiver = WaiverFactory()
    assert errors(waiver.validate_constraints) == {}


def test_conditions_on_excluded_fields_are_not_checked():
    waiver = broken_waiver()
    assert errors(lambda: waiver.validate_constraints(exclude={"determination"})) == {
        "__all__": [
            violated("waiver_status_valid"),
            violated("waiver_source_id_unique"),
            violated("waiver_posted_has_submitted_at"),
        ]
    }


def test_a_failed_validation_leaves_the_transaction_usable():
    waiver = broken_waiver()
    with transaction.atomic():
        assert errors(waiver.validate_constraints)
        assert Waiver.objects.filter(source_id="taken").count() == 1
