"""The shared validation rules (waivers.validation) on their own."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from waivers import validation
from waivers.models import PscCode

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "value",
    [
        "1333ND22PNB680101",
        "1333nd22pnb680101 ",
        "75F40122C0001",
        "N0002424C1234",
    ],
)
def test_piids_in_far_format_are_accepted_and_upper_cased(value):
    assert validation.validate_piid(value) == value.strip().upper()


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("N00024-24-C-1234", "piid_characters"),
        ("1333ND22 PNB680101", "piid_characters"),
        ("1333ND22PNB", "piid_length"),
        ("1333ND22PNB6801010", "piid_length"),
        ("1333NDX2PNB680101", "piid_format"),
        ("1333ND221NB680101", "piid_format"),
    ],
)
def test_malformed_piids_are_refused_with_the_reason(value, code):
    with pytest.raises(ValidationError) as excinfo:
        validation.validate_piid(value)
    assert excinfo.value.code == code


@pytest.mark.parametrize(("value", "expected"), [("fr", "FR"), ("FRA", "FR"), (" deu ", "DE")])
def test_countries_are_normalised_to_alpha_2(value, expected):
    assert validation.normalise_country(value) == expected


@pytest.mark.parametrize("value", ["XX", "ZZZ", "France", ""])
def test_unknown_countries_are_refused(value):
    with pytest.raises(ValidationError):
        validation.normalise_country(value)


def test_retired_psc_is_refused_but_a_future_retirement_is_not():
    retired = PscCode.objects.get(code="1000")
    with pytest.raises(ValidationError, match="retired"):
        validation.validate_psc(retired)
    code = PscCode(
        code="ZZ99", in_reference=True, end_date=timezone.localdate() + dt.timedelta(days=30)
    )
    validation.validate_psc(code)


def test_missing_required_depends_on_type():
    values = {"procurement_title": "x", "summary": "x", "rationale": "x", "naics": 1, "psc": 1}
    assert validation.missing_required("jones_act", values) == {}
    assert set(validation.missing_required("nonavailability", values)) == {
        "procurement_stage",
        "coverage",
        "expected_duration",
    }


def _jones(**values):
    published = timezone.make_aware(dt.datetime(2024, 3, 4, 12))
    return {"authority": "501b", "received_at": published, "published_at": published, **values}


def test_jones_act_secdef_requests_have_no_48_hour_wait():
    published = timezone.make_aware(dt.datetime(2024, 3, 4, 12))
    validation.validate_jones_act(
        _jones(
            authority="501a",
            decision="granted",
            decided_at=published + dt.timedelta(hours=1),
            valid_days=10,
        )
    )


def test_jones_act_decision_needs_a_publication_first():
    with pytest.raises(ValidationError) as excinfo:
        validation.validate_jones_act(
            _jones(
                published_at=None,
                decision="denied",
                denial_reasons="No need",
                decided_at=timezone.now(),
            )
        )
    assert "published_at" in excinfo.value.message_dict


def test_jones_act_extension_without_a_grant_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        validation.validate_jones_act(_jones(extension_days=5))
    assert "extension_days" in excinfo.value.message_dict
