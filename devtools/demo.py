"""Hand-written demonstration waivers, added by `manage.py seed_demo`.

MIAO's published data holds only nonavailability waivers and urgent reports,
all submitted or reviewed. These few records complete the picture so the demo
shows every waiver type and every status: each is built through
waivers.services exactly as staff would build it (create_draft, submit,
start_review, record_determination, ...), with its type-specific details
checked by waivers.validation. The agencies, NAICS and PSC codes are real
reference codes; the procurements, vessels, people and contract numbers are
illustrative.

Every record has a stable source id ("demo-…"), from which its public id is
derived, so re-running the seed adds nothing and a fresh database gives the
same URLs. Times are relative to the moment of seeding, so the records under
review show a live review clock.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from agencies.models import Agency
from waivers import services, validation
from waivers.importers.miao import public_id_for_source
from waivers.models import (
    JonesActDetail,
    NaicsCode,
    PricePreference,
    PscCode,
    UrgentReport,
    Waiver,
    WaiverInternal,
)

T = Waiver.Type
S = Waiver.Status
Det = Waiver.Determination
H = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
SEED_NOTE = "Demonstration record added by seed_demo."

# Each record: fields for create_draft, `posted_days_ago` (None: stays a draft),
# `steps` after posting as (action, hours after posting, keyword arguments),
# and optional `details(posted)` returning unsaved detail rows.
DEMO_WAIVERS: list[dict] = [
    {
        "source_id": "demo-draft-cryogenic-probe-station",
        "waiver_type": T.NONAVAILABILITY,
        "agency": "1341",
        "naics": "334516",
        "psc": "6640",
        "procurement_title": "Cryogenic probe station for superconducting device testing",
        "summary": (
            "A four-probe cryogenic station that cools wafers to 4 kelvin for electrical "
            "characterisation of superconducting circuits used in the quantum measurement "
            "programme."
        ),
        "rationale": (
            "Market research found no U.S. manufacturer of closed-cycle probe stations that "
            "reach 4 K with vibration below 50 nm; the three domestic offers surveyed stop at 10 K."
        ),
        "procurement_stage": Waiver.ProcurementStage.PRE_SOLICITATION,
        "coverage": Waiver.Coverage.INDIVIDUAL,
        "expected_duration": Waiver.Duration.INSTANT,
        "sources_sought": True,
        "price_preference_included": False,
        "countries": ["DE"],
        "posted_days_ago": None,
        "steps": [],
        "internal": {
            "market_research": (
                "Sources-sought notice posted for 15 days; four responses, none meeting the "
                "4 K requirement. Catalogue review of two further domestic vendors."
            ),
            "approving_official": "Head of the Contracting Activity, NIST Acquisition Management",
            "contacts": "Contracting officer: Dana Whitfield, dana.whitfield@example.gov, "
            "301-555-0142",
        },
    },
    {
        "source_id": "demo-submitted-radiography-detector-panels",
        "waiver_type": T.PUBLIC_INTEREST,
        "agency": "3600",
        "naics": "334510",
        "psc": "6525",
        "procurement_title": "Replacement detector panels for installed digital radiography rooms",
        "summary": (
            "Forty flat-panel detectors to keep 20 existing digital radiography rooms in service "
            "across the network's medical centres until their planned replacement in 2028."
        ),
        "rationale": (
            "Only panels from the original manufacturer are certified for the installed "
            "systems; fitting other panels would void the systems' clearance and take rooms "
            "out of service for patients. Applying the domestic preference here would be "
            "inconsistent with the public interest."
        ),
        "procurement_stage": Waiver.ProcurementStage.PRE_SOLICITATION,
        "coverage": Waiver.Coverage.MULTI_PROCUREMENT,
        "expected_duration": Waiver.Duration.ONE_TO_2_YEARS,
        "sources_sought": True,
        "price_preference_included": False,
        "countries": ["JP"],
        "solicitation_id": "36C10X26Q0041",
        "posted_days_ago": 2,
        "steps": [],
    },
    {
        "source_id": "demo-in-review-low-voltage-switchgear",
        "waiver_type": T.UNREASONABLE_COST,
        "agency": "4740",
        "naics": "335313",
        "psc": "6110",
        "procurement_title": "Low-voltage switchgear for a federal building modernization",
        "summary": (
            "Six low-voltage switchgear line-ups with draw-out breakers for the electrical "
            "service upgrade of a 1960s federal office building."
        ),
        "rationale": (
            "The lowest domestic offer ($125,000) exceeds the lowest foreign offer including "
            "duty ($100,000) plus the 20 percent large-business evaluation factor ($120,000), "
            "so the domestic price is unreasonable under FAR 25.106."
        ),
        "procurement_stage": Waiver.ProcurementStage.POST_SOLICITATION,
        "coverage": Waiver.Coverage.INDIVIDUAL,
        "expected_duration": Waiver.Duration.INSTANT,
        "sources_sought": False,
        "price_preference_included": True,
        "countries": ["MX"],
        "piids": ["47PC0226C0017"],
        "solicitation_id": "47PC0226R0009",
        "posted_days_ago": 6,
        "steps": [("start_review", 26, {"note": "Assigned to a MIAO reviewer."})],
        "price_preference": {
            "lowest_foreign_offer": Decimal("100000.00"),
            "lowest_domestic_offer": Decimal("125000.00"),
            "domestic_business_size": PricePreference.BusinessSize.LARGE,
        },
        "internal": {
            "market_research": "Two domestic and one foreign offer received on the solicitation.",
            "excluded_sources": "None.",
            "approving_official": "Regional Chief Acquisition Officer",
            "contacts": "Contract specialist: Luis Ortega, luis.ortega@example.gov",
        },
    },
    {
        "source_id": "demo-reviewed-isotope-ratio-mass-spectrometer",
        "waiver_type": T.NONAVAILABILITY,
        "agency": "1434",
        "naics": "334516",
        "psc": "6630",
        "procurement_title": "Isotope ratio mass spectrometer for groundwater age dating",
        "summary": (
            "A gas-source isotope ratio mass spectrometer with dual inlet for measuring "
            "oxygen and hydrogen isotopes in groundwater samples."
        ),
        "rationale": (
            "No instrument of this class is manufactured in the United States; all four "
            "producers identified in market research build them in Germany or the United Kingdom."
        ),
        "procurement_stage": Waiver.ProcurementStage.POST_SOLICITATION,
        "coverage": Waiver.Coverage.INDIVIDUAL,
        "expected_duration": Waiver.Duration.INSTANT,
        "sources_sought": True,
        "price_preference_included": True,
        "countries": ["DE", "GB"],
        "piids": ["140G0226P0112"],
        "solicitation_id": "140G0226Q0087",
        "posted_days_ago": 40,
        "steps": [("record_determination", 4 * 24 + 3, {"determination": Det.CONSISTENT})],
    },
    {
        "source_id": "demo-reviewed-conditional-marine-radios",
        "waiver_type": T.NONAVAILABILITY,
        "agency": "1330",
        "naics": "334220",
        "psc": "5820",
        "procurement_title": "Marine VHF transceivers for hydrographic survey launches",
        "summary": (
            "Fixed-mount VHF marine radios with integrated AIS receivers for twelve survey "
            "launches, bought over two years as launches are refitted."
        ),
        "rationale": (
            "The radios must be type-approved for the launches' existing antenna and data "
            "systems; market research found no domestic manufacturer of type-approved units."
        ),
        "procurement_stage": Waiver.ProcurementStage.PRE_SOLICITATION,
        "coverage": Waiver.Coverage.MULTI_PROCUREMENT,
        "expected_duration": Waiver.Duration.ONE_TO_2_YEARS,
        "sources_sought": True,
        "price_preference_included": False,
        "countries": ["JP"],
        "posted_days_ago": 30,
        "steps": [
            (
                "record_determination",
                6 * 24,
                {
                    "determination": Det.CONDITIONALLY_CONSISTENT,
                    "conditions": (
                        "Before each follow-on order the agency issues a sources-sought notice "
                        "for domestic type-approved radios, and reports the responses to MIAO "
                        "within 12 months of this determination."
                    ),
                },
            )
        ],
    },
    {
        "source_id": "demo-reviewed-inconsistent-tactical-generators",
        "waiver_type": T.NONAVAILABILITY,
        "agency": "97AS",
        "naics": "335312",
        "psc": "6115",
        "procurement_title": "60 kW tactical generator sets",
        "summary": "Thirty skid-mounted 60 kW diesel generator sets for expeditionary use.",
        "rationale": (
            "The required delivery schedule could not be met by the domestic offerors contacted."
        ),
        "procurement_stage": Waiver.ProcurementStage.PRE_SOLICITATION,
        "coverage": Waiver.Coverage.INDIVIDUAL,
        "expected_duration": Waiver.Duration.UP_TO_6_MONTHS,
        "sources_sought": False,
        "price_preference_included": False,
        "countries": ["IT"],
        "posted_days_ago": 25,
        "steps": [
            (
                "record_determination",
                8 * 24,
                {
                    "determination": Det.INCONSISTENT,
                    "explanation": (
                        "Market research relied on two phone calls. At least three domestic "
                        "manufacturers produce 60 kW generator sets to this specification, and "
                        "schedule alone does not show nonavailability. The agency should issue a "
                        "sources-sought notice before proposing a waiver again."
                    ),
                },
            )
        ],
    },
    {
        "source_id": "demo-review-waived-hurricane-generators",
        "waiver_type": T.NONAVAILABILITY,
        "agency": "7022",
        "naics": "335312",
        "psc": "6115",
        "procurement_title": "Portable generators for hurricane response staging areas",
        "summary": (
            "Two hundred 7.5 kW portable generators prepositioned for the hurricane season."
        ),
        "rationale": (
            "Domestic production of this size is committed to retail orders through the season; "
            "the quantity needed is not reasonably available from domestic sources in time."
        ),
        "procurement_stage": Waiver.ProcurementStage.POST_SOLICITATION,
        "coverage": Waiver.Coverage.INDIVIDUAL,
        "expected_duration": Waiver.Duration.UP_TO_6_MONTHS,
        "sources_sought": True,
        "price_preference_included": False,
        "countries": ["CN"],
        "piids": ["70FA2026C00000031"],
        "posted_days_ago": 12,
        "steps": [
            (
                "waive_review",
                20,
                {
                    "note": (
                        "Review waived: disaster preparedness requirement with a fixed deadline."
                    ),
                },
            )
        ],
    },
    {
        "source_id": "demo-decided-granted-jones-act-crude-oil",
        "waiver_type": T.JONES_ACT,
        "agency": "8900",
        "naics": "483111",
        "psc": "V115",
        "procurement_title": "Jones Act waiver: crude oil from a Gulf Coast reserve site to a "
        "Louisiana refinery",
        "summary": (
            "Carriage of crude oil released from a strategic reserve site on the Texas coast to "
            "a refinery on the lower Mississippi River after a storm closed pipelines."
        ),
        "rationale": (
            "MARAD found no qualified U.S.-flag tanker available in the requested window; the "
            "oil is needed to keep the refinery supplying the region's fuel."
        ),
        "posted_days_ago": 20,
        "steps": [
            (
                "waive_review",
                2,
                {
                    "note": "Jones Act request: decided by the Secretary of "
                    "Homeland Security, not reviewed by MIAO."
                },
            ),
            ("record_final_decision", 54, {"decision": Waiver.FinalDecision.GRANTED}),
        ],
        "jones_act": lambda posted: {
            "authority": JonesActDetail.Authority.OTHER,
            "requester": "Department of Energy, Office of Petroleum Reserves",
            "received_at": posted - 3 * H,
            "published_at": posted,
            "vessel_name": "Nordic Aurora",
            "vessel_number": "9412345",
            "vessel_flag": "NO",
            "vessel_owner": "Aurora Tankers AS",
            "vessel_operator": "Aurora Tankers AS",
            "laden_at_request": False,
            "cargo_type": "Crude oil",
            "cargo_quantity": "650,000 barrels",
            "load_port": "Freeport, Texas",
            "discharge_port": "Baton Rouge, Louisiana",
            "window_start": (posted + 3 * DAY).date(),
            "window_end": (posted + 13 * DAY).date(),
            "marad_determination_date": (posted + DAY).date(),
            "marad_finding": "No qualified U.S.-flag vessel is available in the requested window.",
            "marad_actions": "MARAD canvassed U.S.-flag operators; none could load before the "
            "window closed.",
            "decision": JonesActDetail.Decision.GRANTED,
            "decided_at": posted + 54 * H,
            "terms": "One voyage, loading within the window; a voyage report is due within 10 "
            "days of the voyage.",
            "valid_days": 10,
            "extension_days": 5,
            "voyage_report_received_at": posted + 16 * DAY,
            "voyage_report_published_at": posted + 17 * DAY,
        },
    },
    {
        "source_id": "demo-decided-not-granted-surgical-staplers",
        "waiver_type": T.UNREASONABLE_COST,
        "agency": "7529",
        "naics": "339112",
        "psc": "6515",
        "procurement_title": "Surgical stapler reloads for the clinical center",
        "summary": "A one-year supply of linear surgical stapler reloads.",
        "rationale": (
            "The agency proposed the waiver because the lowest domestic offer ($125,000) is 25 "
            "percent above the lowest foreign offer ($100,000)."
        ),
        "procurement_stage": Waiver.ProcurementStage.POST_SOLICITATION,
        "coverage": Waiver.Coverage.INDIVIDUAL,
        "expected_duration": Waiver.Duration.SIX_TO_12_MONTHS,
        "sources_sought": False,
        "price_preference_included": True,
        "countries": ["IE"],
        "solicitation_id": "75N98026Q00204",
        "posted_days_ago": 35,
        "steps": [
            (
                "record_determination",
                5 * 24,
                {
                    "determination": Det.INCONSISTENT,
                    "explanation": (
                        "The lowest domestic offer is from a small business, so the evaluation "
                        "factor is 30 percent: the evaluated foreign price is $130,000 and the "
                        "domestic offer of $125,000 is reasonable. Unreasonable cost is not shown."
                    ),
                },
            ),
            (
                "record_final_decision",
                8 * 24,
                {
                    "decision": Waiver.FinalDecision.NOT_GRANTED,
                    "note": "The agency will award to the domestic offeror.",
                },
            ),
        ],
        "price_preference": {
            "lowest_foreign_offer": Decimal("100000.00"),
            "lowest_domestic_offer": Decimal("125000.00"),
            "domestic_business_size": PricePreference.BusinessSize.SMALL,
        },
        "internal": {
            "approving_official": "Chief of Acquisition, Clinical Center",
            "contacts": "Contracting officer: Priya Raman, priya.raman@example.gov",
        },
    },
    {
        "source_id": "demo-withdrawn-power-converters",
        "waiver_type": T.NONAVAILABILITY,
        "agency": "8000",
        "naics": "335999",
        "psc": "6130",
        "procurement_title": "Radiation-tolerant DC-DC power converters for a flight instrument",
        "summary": "Twenty radiation-tolerant DC-DC converters for an instrument power board.",
        "rationale": (
            "The converters must meet a total-dose rating that market research found only in "
            "foreign parts."
        ),
        "procurement_stage": Waiver.ProcurementStage.PRE_SOLICITATION,
        "coverage": Waiver.Coverage.INDIVIDUAL,
        "expected_duration": Waiver.Duration.INSTANT,
        "sources_sought": True,
        "price_preference_included": False,
        "countries": ["FR"],
        "posted_days_ago": 18,
        "steps": [
            ("start_review", 24, {}),
            (
                "withdraw",
                3 * 24,
                {
                    "note": "Withdrawn by the agency: a domestic supplier qualified a part that "
                    "meets the rating.",
                },
            ),
        ],
    },
    {
        "source_id": "demo-urgent-report-fuel-injection-pumps",
        "waiver_type": T.URGENT_REPORT,
        "agency": "97AS",
        "naics": "333618",
        "psc": "2910",
        "procurement_title": "Fuel injection pumps for generator overhaul",
        "summary": (
            "Replacement fuel injection pumps to return prime-power generators to service at a "
            "remote installation."
        ),
        "rationale": (
            "The only pumps compatible with the installed engines are made abroad; the "
            "generators were the installation's sole power source."
        ),
        "posted_days_ago": 9,
        "steps": [],
        "urgent": lambda posted: {
            "contract_number": "SPE8EJ26P0415",
            "contract_signed_date": (posted - 12 * DAY).date(),
            "urgency_contributed": UrgentReport.UrgencyContributed.YES,
            "urgency_explanation": (
                "Two of three generators failed within a week; waiting for review would have "
                "left the installation without backup power."
            ),
            "mission_impact": (
                "Without the pumps the installation would have run on a single generator with "
                "no redundancy for an estimated ten weeks."
            ),
        },
    },
    {
        "source_id": "demo-submitted-jones-act-lng-cargo",
        "waiver_type": T.JONES_ACT,
        "agency": "7014",
        "naics": "483111",
        "psc": "V115",
        "procurement_title": "Jones Act waiver request: LNG cargo to a New England terminal",
        "summary": (
            "Request to carry one cargo of liquefied natural gas from a Gulf Coast terminal to "
            "a New England import terminal during a winter cold snap."
        ),
        "rationale": (
            "The requester states that no U.S.-flag LNG carrier exists and that regional gas "
            "supply is short during the forecast cold period."
        ),
        "posted_days_ago": 1,
        "steps": [],
        "jones_act": lambda posted: {
            "authority": JonesActDetail.Authority.OTHER,
            "requester": "A regional gas distribution company",
            "received_at": posted - 5 * H,
            "published_at": posted,
            "vessel_name": "Arctic Lantern",
            "vessel_number": "9734561",
            "vessel_flag": "MT",
            "vessel_owner": "Lantern LNG Shipping Ltd",
            "vessel_operator": "Lantern LNG Shipping Ltd",
            "laden_at_request": False,
            "cargo_type": "Liquefied natural gas",
            "cargo_quantity": "160,000 cubic metres",
            "load_port": "Sabine Pass, Louisiana",
            "discharge_port": "Everett, Massachusetts",
            "window_start": (posted + 5 * DAY).date(),
            "window_end": (posted + 15 * DAY).date(),
        },
    },
]

_CONTENT = (
    "procurement_title",
    "summary",
    "rationale",
    "procurement_stage",
    "coverage",
    "expected_duration",
    "sources_sought",
    "price_preference_included",
    "countries",
    "piids",
    "solicitation_id",
)


def _details(spec: dict, posted: dt.datetime) -> list:
    details = []
    if "price_preference" in spec:
        validation.validate_price_preference(spec["price_preference"])
        details.append(PricePreference(**spec["price_preference"]))
    if "jones_act" in spec:
        values = spec["jones_act"](posted)
        validation.validate_jones_act(values)
        details.append(JonesActDetail(**values))
    if "urgent" in spec:
        values = spec["urgent"](posted)
        validation.validate_urgent_report(values)
        details.append(UrgentReport(**values))
    if "internal" in spec:
        details.append(WaiverInternal(**spec["internal"]))
    return details


def _build(spec: dict, now: dt.datetime) -> Waiver:
    agency = Agency.objects.get(code=spec["agency"])
    days = spec["posted_days_ago"]
    posted = (now - dt.timedelta(days=days or 0)).replace(minute=0, second=0, microsecond=0)
    fields = {name: spec[name] for name in _CONTENT if name in spec}
    for piid in fields.get("piids", []):
        validation.validate_piid(piid)
    waiver = services.create_draft(
        actor=None,
        waiver_type=spec["waiver_type"],
        contracting_agency=agency,
        funding_agency=agency,
        naics=NaicsCode.objects.get(code=spec["naics"]),
        psc=PscCode.objects.get(code=spec["psc"]),
        note=SEED_NOTE,
        at=posted - DAY,
        details=_details(spec, posted),
        source_id=spec["source_id"],
        public_id=public_id_for_source(spec["source_id"]),
        **fields,
    )
    if days is None:
        return waiver
    services.submit(waiver, actor=None, at=posted, note=SEED_NOTE)
    for action, hours, kwargs in spec["steps"]:
        at = posted + hours * H
        if action == "record_final_decision":
            kwargs = {"decided_on": timezone.localdate(at), **kwargs}
        getattr(services, action)(waiver, actor=None, at=at, **kwargs)
    return waiver


def seed_demo_waivers(now: dt.datetime | None = None) -> tuple[int, int]:
    """Add the demo waivers that are not there yet; returns (created, already present)."""
    now = now or timezone.now()
    created = present = 0
    for spec in DEMO_WAIVERS:
        if Waiver.objects.filter(source_id=spec["source_id"]).exists():
            present += 1
            continue
        with transaction.atomic():
            _build(spec, now)
        created += 1
    return created, present
