"""Database constraints hold even when the services are bypassed."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from tests.factories import WaiverFactory, post
from waivers.models import (
    JonesActDetail,
    NaicsCode,
    PricePreference,
    PscCode,
    UrgentReport,
    Waiver,
)

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2022, 11, 18, 10))


def refused(constraint: str):
    """Expect the database to refuse the write, naming the constraint."""
    return pytest.raises(IntegrityError, match=constraint)


def update(waiver, **values):
    with transaction.atomic():
        Waiver.objects.filter(pk=waiver.pk).update(**values)


def test_status_must_be_a_known_value():
    waiver = post(WaiverFactory(), at=NOW)
    with refused("waiver_status_valid"):
        update(waiver, status="approved")


def test_type_must_be_a_known_value():
    waiver = WaiverFactory()
    with refused("waiver_type_valid"):
        update(waiver, waiver_type="buy_european")


def test_posted_waiver_has_a_submission_time():
    waiver = WaiverFactory()
    with refused("waiver_posted_has_submitted_at"):
        update(waiver, status=Waiver.Status.SUBMITTED)


def test_determination_only_when_reviewed():
    waiver = post(WaiverFactory(), at=NOW)
    with refused("waiver_determination_only_when_reviewed"):
        update(waiver, determination="consistent", determined_at=NOW)


def test_determination_must_be_a_known_value():
    waiver = post(WaiverFactory(), to=Waiver.Status.REVIEWED, at=NOW)
    with refused("waiver_determination_valid"):
        update(waiver, determination="mostly_fine")


def test_reviewed_waiver_has_a_determination():
    waiver = post(WaiverFactory(), at=NOW)
    with refused("waiver_reviewed_has_determination"):
        update(waiver, status=Waiver.Status.REVIEWED)


def test_conditional_determination_needs_conditions():
    waiver = post(WaiverFactory(), to=Waiver.Status.REVIEWED, at=NOW)
    with refused("waiver_conditional_has_conditions"):
        update(waiver, determination="conditionally_consistent", determination_conditions="")


def test_inconsistent_determination_needs_an_explanation():
    waiver = post(WaiverFactory(), to=Waiver.Status.REVIEWED, at=NOW)
    with refused("waiver_inconsistent_has_explanation"):
        update(waiver, determination="inconsistent", determination_explanation="")


def test_final_decision_only_when_decided():
    waiver = post(WaiverFactory(), to=Waiver.Status.REVIEWED, at=NOW)
    with refused("waiver_final_decision_consistent"):
        update(waiver, final_decision="granted", final_decision_date=NOW.date())


def test_decided_waiver_has_its_decision():
    waiver = post(WaiverFactory(), to=Waiver.Status.REVIEWED, at=NOW)
    with refused("waiver_decided_has_final_decision"):
        update(waiver, status=Waiver.Status.DECIDED)


def test_withdrawn_waiver_has_its_date():
    waiver = post(WaiverFactory(), at=NOW)
    with refused("waiver_withdrawn_has_date"):
        update(waiver, status=Waiver.Status.WITHDRAWN)


def test_source_id_is_unique_when_set():
    WaiverFactory(source_id="624462261d5c030ceac2b027")
    with refused("waiver_source_id_unique"), transaction.atomic():
        WaiverFactory(source_id="624462261d5c030ceac2b027")
    # Waivers entered by staff have no source id; any number of them may exist.
    WaiverFactory(source_id="")
    WaiverFactory(source_id="")
    assert Waiver.objects.filter(source_id="").count() >= 2


def test_public_id_is_unique():
    first = WaiverFactory()
    with refused("public_id"), transaction.atomic():
        WaiverFactory(public_id=first.public_id)


def test_naics_code_is_six_digits():
    with refused("naics_code_six_digits"), transaction.atomic():
        NaicsCode.objects.create(code="33451", title="Too short")


def test_psc_code_shape():
    with refused("psc_code_shape"), transaction.atomic():
        PscCode.objects.create(code="66-4", name="Punctuation")


def test_price_preference_offers_are_not_negative():
    waiver = WaiverFactory(waiver_type=Waiver.Type.UNREASONABLE_COST)
    with refused("price_preference_offers_not_negative"), transaction.atomic():
        PricePreference.objects.create(
            waiver=waiver,
            lowest_foreign_offer=Decimal("-1"),
            lowest_domestic_offer=Decimal("10"),
            domestic_business_size="small",
        )


def test_price_preference_business_size_is_known():
    waiver = WaiverFactory(waiver_type=Waiver.Type.UNREASONABLE_COST)
    with refused("price_preference_size_valid"), transaction.atomic():
        PricePreference.objects.create(
            waiver=waiver,
            lowest_foreign_offer=Decimal("1"),
            lowest_domestic_offer=Decimal("10"),
            domestic_business_size="medium",
        )


def test_urgent_report_urgency_is_known():
    waiver = WaiverFactory(waiver_type=Waiver.Type.URGENT_REPORT)
    with refused("urgent_report_urgency_valid"), transaction.atomic():
        UrgentReport.objects.create(waiver=waiver, urgency_contributed="probably")


def jones_act(**overrides) -> JonesActDetail:
    values = {
        "waiver": WaiverFactory(waiver_type=Waiver.Type.JONES_ACT),
        "authority": JonesActDetail.Authority.OTHER,
        "requester": "Fuel distributor",
        "received_at": NOW,
        "published_at": NOW,
        "vessel_name": "Nordic Aurora",
        "vessel_number": "9412345",
        "vessel_flag": "NO",
        "cargo_type": "Crude oil",
        "load_port": "Freeport, Texas",
        "discharge_port": "Baton Rouge, Louisiana",
        "window_start": dt.date(2022, 11, 20),
        "window_end": dt.date(2022, 11, 30),
    }
    values.update(overrides)
    return JonesActDetail(**values)


@pytest.mark.parametrize(
    ("overrides", "constraint"),
    [
        ({"window_end": dt.date(2022, 11, 19)}, "jones_act_window_ordered"),
        ({"valid_days": 11}, "jones_act_valid_days_max_10"),
        ({"valid_days": 10, "extension_days": 11}, "jones_act_extension_max_10"),
        (
            {"decision": "denied", "decided_at": NOW + dt.timedelta(days=3)},
            "jones_act_denial_has_reasons",
        ),
        ({"decision": "granted", "valid_days": 10}, "jones_act_decision_has_date"),
    ],
)
def test_jones_act_limits(overrides, constraint):
    detail = jones_act(**overrides)
    with refused(constraint), transaction.atomic():
        detail.save()


def test_valid_jones_act_detail_is_accepted():
    detail = jones_act(
        decision="granted",
        decided_at=NOW + dt.timedelta(hours=50),
        valid_days=10,
        extension_days=10,
    )
    detail.save()
    assert detail.total_days == 20
