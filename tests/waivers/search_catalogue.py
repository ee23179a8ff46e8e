"""A small, varied set of waivers for the search, export, feed and agency
tests, plus records that must never appear publicly (a draft, a test record
and government-only text on a public waiver); and edge cases for the exports."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tests.factories import WaiverFactory, agency, post
from waivers import services
from waivers.models import NaicsCode, PscCode, UrgentReport, Waiver, WaiverInternal

SECRET = "CONFIDENTIAL-MARKET-RESEARCH-TEXT"
DRAFT_TITLE = "Unposted draft about zeppelin hangars"
TEST_RECORD_TITLE = "Lorem ipsum test record zeppelin"


def at(day: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(day + "T10:00:00"))


@dataclass
class Catalogue:
    laser: Waiver  # NIST, PSC 6640, FR, submitted (open), Jan 2022
    valves: Waiver  # DLA, PSC 4820, DE+JP, reviewed, public interest, Feb 2022
    hull: Waiver  # Navy, PSC 9515, granted, multi-procurement, Mar 2022
    withdrawn: Waiver  # FAA, PSC 6640, withdrawn, Apr 2022
    urgent: Waiver  # NIST urgent report, CN, Dec 2021
    draft: Waiver
    test_record: Waiver

    @property
    def public(self) -> list[Waiver]:
        return [self.laser, self.valves, self.hull, self.withdrawn, self.urgent]


def build_catalogue() -> Catalogue:
    laser = post(
        WaiverFactory(
            procurement_title="Tunable laser system for atomic clocks",
            summary="A narrow-linewidth laser for the optical clock laboratory.",
            rationale="No domestic manufacturer makes a laser of this linewidth.",
            piids=["1333ND22PNB0001", "1333ND22PNB0002"],
            solicitation_id="1333ND22QNB0042",
            countries=["FR"],
        ),
        at=at("2022-01-10"),
    )
    WaiverInternal.objects.create(waiver=laser, market_research=SECRET, contacts=SECRET)

    valves = post(
        WaiverFactory(
            waiver_type=Waiver.Type.PUBLIC_INTEREST,
            contracting_agency=agency("97AS"),
            funding_agency=agency("97AS"),
            naics=NaicsCode.objects.get(code="331110"),
            psc=PscCode.objects.get(code="4820"),
            procurement_title="Stainless steel valves for ship repair",
            summary="Replacement valves for a destroyer's fuel system.",
            rationale="Buying domestic valves would delay a critical repair.",
            procurement_stage=Waiver.ProcurementStage.PRE_SOLICITATION,
            coverage=Waiver.Coverage.MULTI_PROCUREMENT,
            piids=["SPE7M122P0001"],
            solicitation_id="SPE7M1-22-Q-0042",
            countries=["DE", "JP"],
        ),
        to=Waiver.Status.REVIEWED,
        at=at("2022-02-01"),
    )

    hull = post(
        WaiverFactory(
            contracting_agency=agency("1700"),
            funding_agency=agency("1700"),
            naics=NaicsCode.objects.get(code="336611"),
            psc=PscCode.objects.get(code="9515"),
            procurement_title="Titanium hull plate",
            summary="Plate for submarine hull sections, steel not suitable.",
            rationale="The only qualified mill is abroad.",
            coverage=Waiver.Coverage.MULTI_PROCUREMENT,
            piids=["N0002422C5101"],
            solicitation_id="N0002422R5101",
            countries=["JP"],
        ),
        to=Waiver.Status.DECIDED,
        at=at("2022-03-01"),
    )

    withdrawn = post(
        WaiverFactory(
            contracting_agency=agency("6920"),
            funding_agency=agency("6920"),
            procurement_title="Radar test oscilloscope",
            summary="An oscilloscope for radar signal testing.",
            rationale="Domestic models lack the bandwidth.",
            piids=["697DCK22P00001"],
            solicitation_id="697DCK22Q00001",
            countries=["GB"],
        ),
        to=Waiver.Status.WITHDRAWN,
        at=at("2022-04-01"),
    )

    urgent = WaiverFactory(
        waiver_type=Waiver.Type.URGENT_REPORT,
        procurement_title="Emergency spectrometer replacement",
        summary="The spectrometer failed during a calibration run.",
        rationale="The laser calibration line would stop without it.",
        piids=["1333ND21PNB0999"],
        solicitation_id="",
        countries=["CN"],
    )
    UrgentReport.objects.create(
        waiver=urgent,
        contract_number="1333ND21PNB0999",
        urgency_contributed=UrgentReport.UrgencyContributed.YES,
    )
    urgent = post(urgent, at=at("2021-12-01"))

    draft = WaiverFactory(procurement_title=DRAFT_TITLE, countries=["KP"])
    test_record = post(
        WaiverFactory(
            procurement_title=TEST_RECORD_TITLE,
            countries=["KP"],
            contracting_agency=agency("97AS"),
        ),
        at=at("2022-05-01"),
    )
    Waiver.objects.filter(pk=test_record.pk).update(is_test_record=True)
    return Catalogue(laser, valves, hull, withdrawn, urgent, draft, test_record)


def bulk_waivers(count: int, *, start: str = "2023-01-02") -> list[Waiver]:
    """`count` posted nonavailability waivers, one a day from `start`."""
    first = at(start)
    return [post(WaiverFactory(), at=first + dt.timedelta(days=n)) for n in range(count)]


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


def build_edge_cases() -> dict[str, Waiver]:
    """Beside the catalogue, waivers of every type and status with the values
    a CSV writer can get wrong. Edge values are written with update(): they
    are what the database may hold, whatever the forms accept."""
    department = agency("013")
    no_full_name = PscCode.objects.create(code="Z9Z9", name="Short name only", full_name="")
    untitled = NaicsCode.objects.create(code="999999", title="", in_reference=False)

    quoted = post(WaiverFactory(), at=utc("2024-03-05T14:30:00"))
    Waiver.objects.filter(pk=quoted.pk).update(
        procurement_title='Valves, "special" grade — café façade',
        summary="First line\nsecond line",
        rationale="A Windows line\r\nbreak, and a comma",
        piids=["A1", "B2", "C3"],
        countries=["DE", "JP", "FR"],
        solicitation_id="\\.",
    )

    sparse = post(WaiverFactory(), to=Waiver.Status.IN_REVIEW, at=utc("2024-03-06T09:15:30.123456"))
    Waiver.objects.filter(pk=sparse.pk).update(
        waiver_type=Waiver.Type.UNREASONABLE_COST,
        funding_agency=None,
        naics=None,
        psc=None,
        sources_sought=None,
        price_preference_included=True,
        solicitation_id="",
        piids=[],
        countries=[],
        procurement_stage="",
        coverage="",
        expected_duration="",
        summary=" leading space\tand a tab ",
        rationale="",
    )

    conditional = post(
        WaiverFactory(), to=Waiver.Status.SUBMITTED, at=utc("2024-03-07T00:00:00.000100")
    )
    services.record_determination(
        conditional,
        actor=None,
        at=utc("2024-03-08T12:00:00.5"),
        determination=Waiver.Determination.CONDITIONALLY_CONSISTENT,
        conditions='Buy "domestic" steel,\nwhen it is available',
    )
    Waiver.objects.filter(pk=conditional.pk).update(
        waiver_type=Waiver.Type.JONES_ACT,
        contracting_agency=department,
        funding_agency=department,
        sources_sought=False,
    )

    waived = post(
        WaiverFactory(psc=no_full_name, naics=untitled),
        to=Waiver.Status.REVIEW_WAIVED,
        at=utc("2024-03-09T23:59:59.999999"),
    )
    Waiver.objects.filter(pk=waived.pk).update(waiver_type=Waiver.Type.PUBLIC_INTEREST)

    refused = post(WaiverFactory(), to=Waiver.Status.SUBMITTED, at=utc("2024-03-10T08:00:00"))
    services.record_determination(
        refused,
        actor=None,
        at=utc("2024-03-11T08:00:00"),
        determination=Waiver.Determination.INCONSISTENT,
        explanation="Explained; at length",
    )
    services.record_final_decision(
        refused,
        actor=None,
        decision=Waiver.FinalDecision.NOT_GRANTED,
        decided_on=dt.date(2024, 3, 12),
        at=utc("2024-03-12T08:00:00"),
    )
    return {
        "quoted": quoted,
        "sparse": sparse,
        "conditional": conditional,
        "waived": waived,
        "refused": refused,
    }


# Cell texts a spreadsheet would run as formulas (OWASP "CSV Injection"),
# by published column.
FORMULAS = {
    "title": '=HYPERLINK("http://evil.example","x")',
    "summary": "+cmd|' /C calc'!A0",
    "rationale": "-2+3",
    "solicitation_id": "@SUM(1)",
    "piids": ["=1+1", "B2"],
    "explanation": "\tTabbed",
    "contracting_agency_name": "\rCarriage return",
}


def build_formula_waiver() -> Waiver:
    """A public waiver whose texts start with each formula trigger."""
    waiver = post(WaiverFactory(), at=utc("2024-04-01T10:00:00"))
    services.record_determination(
        waiver,
        actor=None,
        determination=Waiver.Determination.INCONSISTENT,
        explanation="Explained.",
    )
    Waiver.objects.filter(pk=waiver.pk).update(
        determination_explanation=FORMULAS["explanation"],
        procurement_title=FORMULAS["title"],
        summary=FORMULAS["summary"],
        rationale=FORMULAS["rationale"],
        solicitation_id=FORMULAS["solicitation_id"],
        piids=FORMULAS["piids"],
    )
    waiver.contracting_agency.name = FORMULAS["contracting_agency_name"]
    waiver.contracting_agency.save(update_fields=["name"])
    waiver.refresh_from_db()
    return waiver


def defused(value) -> str:
    """A published text as every CSV cell writes it: a leading quote when it
    starts with a formula trigger."""
    text = ";".join(value) if isinstance(value, list) else value
    return "'" + text


def pump_waivers() -> list[Waiver]:
    """Three waivers matching "pump": the oldest has it in its title (it ranks
    first by relevance), the two newer ones only in their rationale."""
    return [
        post(WaiverFactory(procurement_title="Pump impeller castings"), at=at("2023-01-02")),
        post(WaiverFactory(rationale="Spare parts for the pump station."), at=at("2023-02-01")),
        post(WaiverFactory(rationale="Bearings for a pump."), at=at("2023-03-01")),
    ]
