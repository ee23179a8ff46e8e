"""A small, varied set of waivers for the search, export, feed and agency
tests, plus records that must never appear publicly (a draft, a test record
and government-only text on a public waiver)."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tests.factories import WaiverFactory, agency, post
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
    laser = post(WaiverFactory(
        procurement_title="Tunable laser system for atomic clocks",
        summary="A narrow-linewidth laser for the optical clock laboratory.",
        rationale="No domestic manufacturer makes a laser of this linewidth.",
        piids=["1333ND22PNB0001", "1333ND22PNB0002"],
        solicitation_id="1333ND22QNB0042",
        countries=["FR"],
    ), at=at("2022-01-10"))
    WaiverInternal.objects.create(waiver=laser, market_research=SECRET, contacts=SECRET)

    valves = post(WaiverFactory(
        waiver_type=Waiver.Type.PUBLIC_INTEREST,
        contracting_agency=agency("97AS"), funding_agency=agency("97AS"),
        naics=NaicsCode.objects.get(code="331110"), psc=PscCode.objects.get(code="4820"),
        procurement_title="Stainless steel valves for ship repair",
        summary="Replacement valves for a destroyer's fuel system.",
        rationale="Buying domestic valves would delay a critical repair.",
        procurement_stage=Waiver.ProcurementStage.PRE_SOLICITATION,
        coverage=Waiver.Coverage.MULTI_PROCUREMENT,
        piids=["SPE7M122P0001"], solicitation_id="SPE7M1-22-Q-0042",
        countries=["DE", "JP"],
    ), to=Waiver.Status.REVIEWED, at=at("2022-02-01"))

    hull = post(WaiverFactory(
        contracting_agency=agency("1700"), funding_agency=agency("1700"),
        naics=NaicsCode.objects.get(code="336611"), psc=PscCode.objects.get(code="9515"),
        procurement_title="Titanium hull plate",
        summary="Plate for submarine hull sections, steel not suitable.",
        rationale="The only qualified mill is abroad.",
        coverage=Waiver.Coverage.MULTI_PROCUREMENT,
        piids=["N0002422C5101"], solicitation_id="N0002422R5101",
        countries=["JP"],
    ), to=Waiver.Status.DECIDED, at=at("2022-03-01"))

    withdrawn = post(WaiverFactory(
        contracting_agency=agency("6920"), funding_agency=agency("6920"),
        procurement_title="Radar test oscilloscope",
        summary="An oscilloscope for radar signal testing.",
        rationale="Domestic models lack the bandwidth.",
        piids=["697DCK22P00001"], solicitation_id="697DCK22Q00001",
        countries=["GB"],
    ), to=Waiver.Status.WITHDRAWN, at=at("2022-04-01"))

    urgent = WaiverFactory(
        waiver_type=Waiver.Type.URGENT_REPORT,
        procurement_title="Emergency spectrometer replacement",
        summary="The spectrometer failed during a calibration run.",
        rationale="The laser calibration line would stop without it.",
        piids=["1333ND21PNB0999"], solicitation_id="",
        countries=["CN"],
    )
    UrgentReport.objects.create(
        waiver=urgent, contract_number="1333ND21PNB0999",
        urgency_contributed=UrgentReport.UrgencyContributed.YES,
    )
    urgent = post(urgent, at=at("2021-12-01"))

    draft = WaiverFactory(procurement_title=DRAFT_TITLE, countries=["KP"])
    test_record = post(WaiverFactory(
        procurement_title=TEST_RECORD_TITLE, countries=["KP"],
        contracting_agency=agency("97AS"),
    ), at=at("2022-05-01"))
    Waiver.objects.filter(pk=test_record.pk).update(is_test_record=True)
    return Catalogue(laser, valves, hull, withdrawn, urgent, draft, test_record)


def bulk_waivers(count: int, *, start: str = "2023-01-02") -> list[Waiver]:
    """`count` posted nonavailability waivers, one a day from `start`."""
    first = at(start)
    return [
        post(WaiverFactory(), at=first + dt.timedelta(days=n)) for n in range(count)
    ]
