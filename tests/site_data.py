"""One public waiver of every type, with its detail rows, for the public-page
tests (tests/waivers/test_views_*.py and tests/browser/test_site_pages.py)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from tests.factories import UserFactory, WaiverFactory, post
from waivers import services
from waivers.models import JonesActDetail, PricePreference, UrgentReport, Waiver, WaiverInternal

# Values that must never appear on a public page.
SECRET_MARKET_RESEARCH = "SECRET-market-research-7731"
SECRET_OFFICIAL = "Approving Official Zebulon Quartermaine"
SECRET_CONTACTS = "zebulon.quartermaine@agency.gov 202-555-0199"
SECRET_EXCLUDED = "SECRET-excluded-source-4410"
STAFF_USERNAME = "staffer_hermione_q"
STAFF_NOTE = "INTERNAL-NOTE-do-not-publish-5521"


def aware(year: int, month: int, day: int, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day, hour))


def staff_user():
    return UserFactory(username=STAFF_USERNAME)


def add_internal(waiver: Waiver) -> Waiver:
    WaiverInternal.objects.create(
        waiver=waiver,
        market_research=SECRET_MARKET_RESEARCH,
        excluded_sources=SECRET_EXCLUDED,
        approving_official=SECRET_OFFICIAL,
        contacts=SECRET_CONTACTS,
    )
    return waiver


def nonavailability(**fields) -> Waiver:
    """Submitted, then reviewed (conditionally consistent) by a named staff user
    with an internal note, then granted."""
    actor = staff_user()
    waiver = add_internal(WaiverFactory(**fields))
    services.submit(waiver, actor=actor, note=STAFF_NOTE, at=aware(2022, 3, 1))
    services.start_review(waiver, actor=actor, note=STAFF_NOTE, at=aware(2022, 3, 2))
    services.record_determination(
        waiver,
        actor=actor,
        determination=Waiver.Determination.CONDITIONALLY_CONSISTENT,
        conditions="The agency must re-run market research before any follow-on award.",
        note=STAFF_NOTE,
        at=aware(2022, 3, 8),
    )
    services.record_final_decision(
        waiver,
        actor=actor,
        decision=Waiver.FinalDecision.GRANTED,
        decided_on=dt.date(2022, 3, 10),
        note=STAFF_NOTE,
        at=aware(2022, 3, 10),
    )
    return waiver


def unreasonable_cost(*, small_business: bool = True, **fields) -> Waiver:
    """L = 100,000, D = 125,000: E = 130,000 (small) or 120,000 (large)."""
    waiver = WaiverFactory(
        waiver_type=Waiver.Type.UNREASONABLE_COST, procurement_title="Turbine blades", **fields
    )
    PricePreference.objects.create(
        waiver=waiver,
        lowest_foreign_offer=Decimal("100000.00"),
        lowest_domestic_offer=Decimal("125000.00"),
        domestic_business_size=(
            PricePreference.BusinessSize.SMALL
            if small_business
            else PricePreference.BusinessSize.LARGE
        ),
    )
    return post(waiver, to=Waiver.Status.SUBMITTED, actor=staff_user(), at=timezone.now())


def public_interest(**fields) -> Waiver:
    waiver = WaiverFactory(
        waiver_type=Waiver.Type.PUBLIC_INTEREST,
        procurement_title="Embassy security film",
        **fields,
    )
    post(waiver, to=Waiver.Status.SUBMITTED, actor=staff_user(), at=aware(2022, 4, 1))
    return services.withdraw(waiver, actor=staff_user(), note=STAFF_NOTE, at=aware(2022, 4, 5))


def urgent_report(**fields) -> Waiver:
    waiver = WaiverFactory(
        waiver_type=Waiver.Type.URGENT_REPORT,
        procurement_title="Emergency generator parts",
        **fields,
    )
    UrgentReport.objects.create(
        waiver=waiver,
        contract_number="70FA6022C00000011",
        contract_signed_date=dt.date(2022, 5, 2),
        urgency_contributed=UrgentReport.UrgencyContributed.YES,
        urgency_explanation="Hurricane damage required parts within 48 hours.",
        mission_impact="Shelters would lose power during the storm season.",
    )
    return post(waiver, to=Waiver.Status.SUBMITTED, actor=staff_user(), at=aware(2022, 5, 3))


def jones_act(**fields) -> Waiver:
    waiver = WaiverFactory(
        waiver_type=Waiver.Type.JONES_ACT,
        procurement_title="Fuel carriage to Puerto Rico",
        **fields,
    )
    JonesActDetail.objects.create(
        waiver=waiver,
        authority=JonesActDetail.Authority.OTHER,
        requester="Caribbean Fuel Supply LLC",
        received_at=aware(2022, 9, 20),
        published_at=aware(2022, 9, 20, 14),
        vessel_name="MT Northern Star",
        vessel_number="IMO 9412345",
        vessel_flag="LR",
        vessel_owner="Star Tankers Ltd",
        vessel_operator="Star Shipping Co",
        laden_at_request=False,
        cargo_type="Diesel fuel",
        cargo_quantity="300,000 barrels",
        load_port="Port of Houston, TX",
        discharge_port="San Juan, PR",
        window_start=dt.date(2022, 9, 25),
        window_end=dt.date(2022, 10, 5),
        marad_determination_date=dt.date(2022, 9, 22),
        marad_finding="No qualified U.S.-flag vessel is available in the window.",
        marad_actions="Outreach to U.S.-flag operators.",
        decision=JonesActDetail.Decision.GRANTED,
        decided_at=aware(2022, 9, 23),
        terms="Single voyage, Houston to San Juan.",
        valid_days=10,
        extension_days=5,
    )
    return post(waiver, to=Waiver.Status.REVIEWED, actor=staff_user(), at=aware(2022, 9, 21))


def every_type() -> dict[str, Waiver]:
    """One public waiver of each type, keyed by type value."""
    return {
        Waiver.Type.NONAVAILABILITY: nonavailability(),
        Waiver.Type.UNREASONABLE_COST: unreasonable_cost(),
        Waiver.Type.PUBLIC_INTEREST: public_interest(),
        Waiver.Type.URGENT_REPORT: urgent_report(),
        Waiver.Type.JONES_ACT: jones_act(),
    }


def draft(**fields) -> Waiver:
    return WaiverFactory(procurement_title="DRAFT-never-public-title", **fields)


def test_record(**fields) -> Waiver:
    waiver = WaiverFactory(procurement_title="TESTRECORD-never-public-title", **fields)
    post(waiver, to=Waiver.Status.SUBMITTED, at=aware(2022, 2, 1))
    Waiver.objects.filter(pk=waiver.pk).update(is_test_record=True)
    waiver.refresh_from_db()
    return waiver
