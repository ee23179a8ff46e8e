"""import_miao against MIAO's published files and against broken input."""

import copy
import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from agencies.models import Agency
from tests.factories import WaiverFactory
from waivers.importers.miao import MISSING_EXPLANATION, public_id_for_source
from waivers.models import (
    NaicsCode,
    PscCode,
    UrgentReport,
    Waiver,
    WaiverAuditEntry,
    WaiverStatusChange,
)

pytestmark = pytest.mark.django_db

MIAO = Path(settings.SHARED_DATA_DIR) / "miao"
WAIVERS_JSON = MIAO / "waivers-data.json"
URGENT_JSON = MIAO / "urgent-waivers-data.json"
WAIVERS_CSV = MIAO / "waivers.csv"

DETERMINATIONS = {
    "Consistent with Policy": "consistent",
    "Conditionally Consistent with Policy": "conditionally_consistent",
    "Inconsistent with Policy": "inconsistent",
}
# The records of waivers-data.json that are obviously test data (read by hand):
# titles "asdfasdf", "SDF", "asdf", "title", "EXAMPLE cavity diode lasers" with
# summary "Summary", "TEST", "test".
TEST_RECORDS = {
    "62bb4ae146a40c1a7471bb56",
    "6258d562434a05838f067ad3",
    "61e5bb606809181a4b2a85a8",
    "61e5c1546809181a4b2a89b7",
    "6213ad288ffd2649d6fcd6a9",
    "624c4671b29e2523546a05f0",
    "62a8a0b03e715a96fa4fd3d3",
}


def run(*paths, dry_run=False) -> str:
    out = io.StringIO()
    args = [str(p) for p in paths] + (["--dry-run"] if dry_run else [])
    call_command("import_miao", *args, stdout=out)
    return out.getvalue()


def counts() -> tuple[int, ...]:
    return (
        Waiver.objects.count(),
        WaiverStatusChange.objects.count(),
        WaiverAuditEntry.objects.count(),
        UrgentReport.objects.count(),
        NaicsCode.objects.count(),
        PscCode.objects.count(),
    )


def source_records(path: Path) -> dict[str, dict]:
    """The last copy of each record in a published JSON file, by source id."""
    return {record["_id"]: record for record in json.loads(path.read_text())}


def expected_status(data: dict) -> tuple[str, str]:
    determination = DETERMINATIONS.get(data["ombDetermination"], "")
    if data["requestStatus"] == "Reviewed" and determination:
        return "reviewed", determination
    return "submitted", ""


def a_record(source_id="test-record-1", **data) -> dict:
    """A complete, valid record in the published JSON shape."""
    record = {
        "_id": source_id,
        "state": "submitted",
        "created": "2022-03-30T13:59:02.229Z",
        "modified": "2022-03-31T20:18:40.027Z",
        "data": {
            "contractingOfficeAgencyId": "1341",
            "fundingAgencyId": "1341",
            "naics": {
                "NAICS_Code": 334516,
                "NAICS_Title": "Analytical Laboratory Instrument Manufacturing",
            },
            "psc": {"pscId": 787, "pscCode": "6640", "pscName": "LABORATORY EQUIPMENT"},
            "procurementStage": "Post-solicitation",
            "procurementTitle": "Purchase of a 1096nm laser system",
            "summaryOfProcurement": "A tunable narrow-linewidth laser for atomic physics.",
            "sourcesSoughtOrRfiIssued": "No",
            "piids": [{"piid": "1333ND22PNB680119"}],
            "isPricePreferenceIncluded": "Yes",
            "waiverCoverage": "Individual Waiver",
            "waiverRationaleSummary": "No domestic laser meets the wavelength requirement.",
            "expectedMaximumDurationOfTheRequestedWaiver": "Instant Delivery Only",
            "requestStatus": "Reviewed",
            "ombDetermination": "Consistent with Policy",
            "countriesOfOriginAndUSContent": [
                {
                    "countryOfOriginAndUSContent": {
                        "Two": "FR",
                        "Three": "FRA",
                        "Numeric": 250,
                        "Name": "FRANCE",
                    }
                }
            ],
            "solicitationId": "1333ND22QNB680076",
        },
    }
    record["data"].update(data)
    return record


def published_subset(tmp_path, *source_ids) -> Path:
    """A file holding only these records of waivers-data.json, unchanged."""
    records = [r for r in json.loads(WAIVERS_JSON.read_text()) if r["_id"] in source_ids]
    assert {r["_id"] for r in records} == set(source_ids)
    return write_json(tmp_path, records, "subset.json")


def write_json(tmp_path, records, name="records.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(records))
    return path


# --- the published files -------------------------------------------------------------


def test_waivers_json_imports_every_record_as_published():
    output = run(WAIVERS_JSON)
    source = source_records(WAIVERS_JSON)

    # 87 records, one of them twice (622f3d4b…): 86 waivers, the second copy a duplicate.
    assert output.splitlines()[0] == (
        "waivers-data.json (MIAO JSON): read 87, created 86, updated 0, unchanged 0, "
        "duplicate 1, rejected 0, fields rejected 2, flagged as test data 7"
    )
    assert "  duplicate 622f3d4b" in output
    assert Waiver.objects.count() == len(source) == 86
    for source_id, record in source.items():
        data = record["data"]
        waiver = Waiver.objects.select_related("contracting_agency", "funding_agency").get(
            source_id=source_id
        )
        assert waiver.waiver_type == Waiver.Type.NONAVAILABILITY
        assert waiver.public_id == public_id_for_source(source_id)
        assert waiver.procurement_title == data["procurementTitle"].strip()
        assert waiver.summary == data["summaryOfProcurement"].strip()
        assert waiver.contracting_agency.code == data["contractingOfficeAgencyId"]
        assert waiver.funding_agency.code == data["fundingAgencyId"]
        assert waiver.naics_id == str(data["naics"]["NAICS_Code"])
        assert waiver.psc_id == data["psc"]["pscCode"]
        assert waiver.piids == [
            p["piid"].strip().upper() for p in data.get("piids", []) if p["piid"].strip()
        ]
        assert waiver.countries == [
            entry["countryOfOriginAndUSContent"]["Two"]
            for entry in data.get("countriesOfOriginAndUSContent", [])
            if isinstance(entry["countryOfOriginAndUSContent"], dict)
        ]
        solicitation = data.get("solicitationId", "").strip().upper()
        assert waiver.solicitation_id == ("" if solicitation == "N/A" else solicitation)
        assert waiver.sources_sought is (data["sourcesSoughtOrRfiIssued"] == "Yes")
        assert waiver.procurement_stage == (
            "post_solicitation"
            if data["procurementStage"] == "Post-solicitation"
            else "pre_solicitation"
        )
        assert (waiver.expected_duration == "") is (
            data["expectedMaximumDurationOfTheRequestedWaiver"] == "N/A"
        )
        assert (waiver.status, waiver.determination) == expected_status(data)
        assert waiver.source_created_at.isoformat().startswith(record["created"][:19])
        assert waiver.submitted_at == waiver.source_created_at
        assert waiver.is_test_record is (source_id in TEST_RECORDS)
        assert waiver.search_vector is not None
    # Exactly the obvious test submissions are flagged, each with its reason.
    flagged = {
        line.split()[1].rstrip(":") for line in output.splitlines() if line.startswith("  flagged ")
    }
    assert flagged == TEST_RECORDS


def test_imported_history_follows_the_source_timestamps(tmp_path):
    run(published_subset(tmp_path, "624462261d5c030ceac2b027"))
    waiver = Waiver.objects.get(source_id="624462261d5c030ceac2b027")
    history = list(waiver.status_changes.values_list("from_status", "to_status", "at", "actor"))
    assert [(h[0], h[1]) for h in history] == [
        ("", "draft"),
        ("draft", "submitted"),
        ("submitted", "reviewed"),
    ]
    assert history[1][2] == waiver.source_created_at
    assert history[2][2] == waiver.source_modified_at == waiver.determined_at
    assert {h[3] for h in history} == {None}


def test_published_inconsistent_determination_records_that_no_explanation_was_published(
    tmp_path,
):
    output = run(published_subset(tmp_path, "61eafad468f996ab77574a87"))
    nasa = Waiver.objects.get(source_id="61eafad468f996ab77574a87")
    assert (nasa.status, nasa.determination) == ("reviewed", "inconsistent")
    assert nasa.determination_explanation == MISSING_EXPLANATION
    assert nasa.is_test_record is False
    assert (
        "warning 61eafad468f996ab77574a87: inconsistent determination published without a "
        "written explanation" in output
    )


def test_reviewed_without_determination_stays_submitted_and_is_reported(tmp_path):
    output = run(published_subset(tmp_path, "62050e0fbaa79dbcd0a32f1a"))
    waiver = Waiver.objects.get(source_id="62050e0fbaa79dbcd0a32f1a")
    assert waiver.status == Waiver.Status.SUBMITTED
    assert waiver.determination == ""
    assert (
        "warning 62050e0fbaa79dbcd0a32f1a: published as Reviewed without a determination; "
        "left submitted" in output
    )


def test_test_records_are_flagged_and_never_public(tmp_path):
    output = run(published_subset(tmp_path, *TEST_RECORDS, "62068894baa79dbcd0a33126"))
    flagged = {
        line.split()[1].rstrip(":") for line in output.splitlines() if line.startswith("  flagged ")
    }
    assert flagged == TEST_RECORDS
    assert Waiver.objects.filter(source_id__in=TEST_RECORDS, is_test_record=True).count() == 7
    assert not Waiver.objects.public().filter(source_id__in=TEST_RECORDS).exists()
    # A real record whose funding agency *name* says "TEST" is not flagged.
    assert Waiver.objects.public().filter(source_id="62068894baa79dbcd0a33126").exists()


def test_encrypted_country_values_are_rejected_field_by_field(tmp_path):
    output = run(published_subset(tmp_path, "6213ad288ffd2649d6fcd6a9"))
    waiver = Waiver.objects.get(source_id="6213ad288ffd2649d6fcd6a9")
    assert waiver.countries == []
    rejected = [
        line
        for line in output.splitlines()
        if line.startswith("  rejected field 6213ad288ffd2649d6fcd6a9: country")
    ]
    assert len(rejected) == 2
    assert all("is not an ISO 3166 country; dropped" in line for line in rejected)


def test_urgent_reports_import_with_their_report_fields():
    output = run(URGENT_JSON)
    source = source_records(URGENT_JSON)
    assert output.splitlines()[0].startswith(
        "urgent-waivers-data.json (MIAO JSON): read 27, created 27, updated 0, unchanged 0, "
        "rejected 0"
    )
    assert Waiver.objects.filter(waiver_type=Waiver.Type.URGENT_REPORT).count() == 27
    for source_id, record in source.items():
        data = record["data"]
        waiver = Waiver.objects.select_related("urgent_report").get(source_id=source_id)
        report = waiver.urgent_report
        assert waiver.status == Waiver.Status.SUBMITTED  # posted reports: submit only
        assert waiver.review_due_date is None
        assert waiver.contracting_agency.code == data["contractingOfficeAgencyId"]
        assert report.contract_number == data["contractNumber"]
        assert (
            report.urgency_contributed
            == data["identifyUrgencyContributedToNonavailability"].lower()
        )
        assert report.mission_impact == data["anticipatedMissionImpactNoWaiver"].strip()
        month, day, year = (int(part) for part in data["dateContractSigned"].split("/"))
        if year >= 1900:
            assert (
                report.contract_signed_date.year,
                report.contract_signed_date.month,
                report.contract_signed_date.day,
            ) == (year, month, day)
        else:
            assert report.contract_signed_date is None
            assert f"rejected field {source_id}: date contract signed" in output
    # Every published urgent report is a test submission ("test", lorem ipsum, "asdf").
    assert (
        Waiver.objects.filter(waiver_type=Waiver.Type.URGENT_REPORT, is_test_record=True).count()
        == 27
    )
    assert "flagged 62471e8cb29e252354669541: test data: title is a placeholder" in output


def test_csv_download_imports_the_same_waivers():
    output = run(WAIVERS_CSV)
    rows = list(csv.DictReader(WAIVERS_CSV.open(newline="", encoding="utf-8")))
    assert output.splitlines()[0].startswith(
        "waivers.csv (MIAO CSV): read 87, created 86, updated 0, unchanged 0, duplicate 1, "
        "rejected 0"
    )
    assert Waiver.objects.count() == 86
    for row in rows:
        waiver = Waiver.objects.get(source_id=row["_id"])
        assert waiver.procurement_title == row["Procurement_Title"].strip()
        assert waiver.contracting_agency.code == row["Contracting_Office_Agency_Id"]
        assert waiver.naics_id == row["NAICS_Code"]
        assert waiver.psc_id == row["Psc_Code"]
        piids = json.loads(row["Piids"]) if row["Piids"] else []
        assert waiver.piids == [p["piid"].strip().upper() for p in piids if p["piid"].strip()]
        countries = json.loads(row["Countries_Of_Origin_And_USContent"] or "[]")
        assert waiver.countries == [
            c["countryOfOriginAndUSContent"]["Two"]
            for c in countries
            if isinstance(c["countryOfOriginAndUSContent"], dict)
        ]
        assert (waiver.status, waiver.determination) == expected_status(
            {"requestStatus": row["Request_Status"], "ombDetermination": row["OMB_Determination"]}
        )


# --- re-imports ------------------------------------------------------------------------


def test_second_identical_run_changes_nothing():
    run(WAIVERS_JSON)
    before = counts()
    versions = dict(Waiver.objects.values_list("pk", "version"))
    output = run(WAIVERS_JSON)
    assert output.splitlines()[0].startswith(
        "waivers-data.json (MIAO JSON): read 87, created 0, updated 0, unchanged 86, "
        "duplicate 1, rejected 0"
    )
    assert counts() == before
    assert dict(Waiver.objects.values_list("pk", "version")) == versions


def test_json_then_csv_of_the_same_waivers_does_not_duplicate():
    run(WAIVERS_JSON)
    before = counts()
    output = run(WAIVERS_CSV)
    assert "created 0, updated 0, unchanged 86, duplicate 1, rejected 0" in output.splitlines()[0]
    assert counts() == before


def test_changed_record_is_updated_in_place_and_audited(tmp_path):
    run(write_json(tmp_path, [a_record()]))
    waiver = Waiver.objects.get(source_id="test-record-1")
    changed = a_record(
        procurementTitle="Purchase of a 1096 nm laser system (amended)",
        piids=[{"piid": "1333ND22PNB680119"}, {"piid": "1333ND22PNB680120"}],
    )
    output = run(write_json(tmp_path, [changed], "changed.json"))
    assert "created 0, updated 1, unchanged 0" in output
    updated = Waiver.objects.get(source_id="test-record-1")
    assert updated.pk == waiver.pk and updated.public_id == waiver.public_id
    assert updated.procurement_title == "Purchase of a 1096 nm laser system (amended)"
    assert updated.piids == ["1333ND22PNB680119", "1333ND22PNB680120"]
    assert updated.version == waiver.version + 1
    entry = WaiverAuditEntry.objects.filter(waiver_id=waiver.pk).latest("id")
    assert entry.action == WaiverAuditEntry.Action.AMENDED
    assert {c["field"] for c in entry.changes} == {"procurement_title", "piids"}


def test_source_moving_forward_applies_the_review(tmp_path):
    pending = a_record(requestStatus="Submitted", ombDetermination="N/A")
    run(write_json(tmp_path, [pending]))
    assert Waiver.objects.get(source_id="test-record-1").status == Waiver.Status.SUBMITTED
    output = run(write_json(tmp_path, [a_record()], "reviewed.json"))
    assert "updated 1" in output
    waiver = Waiver.objects.get(source_id="test-record-1")
    assert (waiver.status, waiver.determination) == ("reviewed", "consistent")
    assert list(waiver.status_changes.values_list("to_status", flat=True)) == [
        "draft",
        "submitted",
        "reviewed",
    ]


def test_source_moving_backwards_is_reported_and_status_kept(tmp_path):
    run(write_json(tmp_path, [a_record()]))
    older = a_record(requestStatus="Submitted", ombDetermination="N/A")
    output = run(write_json(tmp_path, [older], "older.json"))
    waiver = Waiver.objects.get(source_id="test-record-1")
    assert waiver.status == Waiver.Status.REVIEWED
    assert "warning test-record-1: published as Submitted but already recorded as reviewed" in (
        output
    )
    assert waiver.status_changes.count() == 3


# --- normalising spelling variants -----------------------------------------------------


def test_spelling_variants_are_normalised(tmp_path):
    record = a_record(
        procurementStage="postSolicitation",
        requestStatus="reviewed",
        ombDetermination="conditionallyConsistentWithPolicy",
        conditionsApplicableToConsistencyDetermination="Report domestic sources found.",
        waiverCoverage="multiProcurementWaiver",
        sourcesSoughtOrRfiIssued="YES",
        isPricePreferenceIncluded="no",
        expectedMaximumDurationOfTheRequestedWaiver="between1And2Years",
        naics=334516,
        psc="6640",
        piids=["1333nd22pnb680119 ", "", "1333ND22PNB680119"],
        countriesOfOriginAndUSContent=[
            "DEU",
            {"countryOfOriginAndUSContent": "fr"},
            "Japan",
            {"Two": "GB"},
        ],
        solicitationId="N/A",
        fundingAgencyId="",
    )
    output = run(write_json(tmp_path, [record]))
    assert "rejected 0" in output and "rejected field" not in output
    waiver = Waiver.objects.get(source_id="test-record-1")
    assert waiver.procurement_stage == Waiver.ProcurementStage.POST_SOLICITATION
    assert waiver.coverage == Waiver.Coverage.MULTI_PROCUREMENT
    assert waiver.expected_duration == Waiver.Duration.ONE_TO_2_YEARS
    assert (waiver.sources_sought, waiver.price_preference_included) == (True, False)
    assert waiver.naics_id == "334516" and waiver.psc_id == "6640"
    assert waiver.piids == ["1333ND22PNB680119"]
    assert waiver.countries == ["DE", "FR", "JP", "GB"]
    assert waiver.solicitation_id == ""
    assert waiver.funding_agency is None
    assert waiver.status == Waiver.Status.REVIEWED
    assert waiver.determination == Waiver.Determination.CONDITIONALLY_CONSISTENT
    assert waiver.determination_conditions == "Report domestic sources found."


def test_csv_with_json_cells_in_other_shapes(tmp_path):
    path = tmp_path / "download.csv"
    header = [
        "_id",
        "created",
        "modified",
        "Contracting_Office_Agency_Id",
        "Funding_Agency_Id",
        "NAICS_Code",
        "NAICS_Title",
        "Psc_Code",
        "Psc_Name",
        "Procurement_Title",
        "Piids",
        "Request_Status",
        "OMB_Determination",
        "Countries_Of_Origin_And_USContent",
    ]
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerow(
            [
                "csv-1",
                "2022-01-05T10:00:00Z",
                "2022-01-06T10:00:00Z",
                "1434",
                "1434",
                "334516",
                "Lab instruments",
                "6640",
                "LAB",
                "Magnetometers",
                '["140G0222P0001", "140G0222P0002"]',
                "Submitted",
                "N/A",
                '["CA", "MEX"]',
            ]
        )
        writer.writerow(
            [
                "csv-2",
                "2022-01-05T10:00:00Z",
                "2022-01-06T10:00:00Z",
                "1434",
                "1434",
                "334516",
                "",
                "6640",
                "",
                "Spectrometer",
                '[{"piid": "140G0222P0003"',
                "Submitted",
                "N/A",
                "",
            ]
        )
    output = run(path)
    assert "(MIAO CSV): read 2, created 2" in output
    assert Waiver.objects.get(source_id="csv-1").piids == ["140G0222P0001", "140G0222P0002"]
    assert Waiver.objects.get(source_id="csv-1").countries == ["CA", "MX"]
    assert Waiver.objects.get(source_id="csv-2").piids == []
    assert "rejected field csv-2: PIIDs cell" in output and "is not valid JSON" in output


# --- bad values inside records ---------------------------------------------------------


def test_garbage_enum_values_are_rejected_field_by_field(tmp_path):
    record = a_record(
        procurementStage="Sometime soon",
        waiverCoverage="Blanket",
        expectedMaximumDurationOfTheRequestedWaiver="forever",
        sourcesSoughtOrRfiIssued="maybe",
    )
    output = run(write_json(tmp_path, [record]))
    assert "created 1" in output and "rejected 0, fields rejected 4" in output
    waiver = Waiver.objects.get(source_id="test-record-1")
    assert (waiver.procurement_stage, waiver.coverage, waiver.expected_duration) == ("", "", "")
    assert waiver.sources_sought is None  # not silently False
    assert (
        "rejected field test-record-1: procurement stage 'Sometime soon' is not a known "
        "value; left empty"
    ) in output


def test_garbage_determination_is_not_recorded(tmp_path):
    output = run(write_json(tmp_path, [a_record(ombDetermination="Approved-ish")]))
    waiver = Waiver.objects.get(source_id="test-record-1")
    assert waiver.status == Waiver.Status.SUBMITTED
    assert waiver.determination == ""
    assert "OMB determination 'Approved-ish' is not a known value" in output
    assert "published as Reviewed without a determination; left submitted" in output


def test_unknown_contracting_agency_rejects_only_that_record(tmp_path):
    records = [
        a_record("good-1"),
        a_record("bad-1", contractingOfficeAgencyId="ZZ99"),
        a_record("bad-2", contractingOfficeAgencyId="013"),
    ]
    before = Waiver.objects.count()
    output = run(write_json(tmp_path, records))
    assert "read 3, created 1, updated 0, unchanged 0, rejected 2" in output
    assert (
        "rejected bad-1: contracting office agency code 'ZZ99' is not a known FPDS sub-tier agency"
    ) in output
    assert "rejected bad-2: contracting office agency code '013' is a department code" in output
    assert Waiver.objects.count() == before + 1
    assert not Waiver.objects.filter(source_id__in=["bad-1", "bad-2"]).exists()


def test_unknown_funding_agency_is_rejected_as_a_field(tmp_path):
    output = run(write_json(tmp_path, [a_record(fundingAgencyId="QQ00")]))
    waiver = Waiver.objects.get(source_id="test-record-1")
    assert waiver.funding_agency is None
    assert (
        "rejected field test-record-1: funding agency code 'QQ00' is not a known FPDS "
        "sub-tier agency; left empty"
    ) in output


def test_codes_missing_from_the_reference_lists_are_kept_and_marked(tmp_path):
    record = a_record(
        naics={"NAICS_Code": 999990, "NAICS_Title": "Future industry"},
        psc={"pscCode": "ZZ9Z", "pscName": "Something new"},
    )
    output = run(write_json(tmp_path, [record]))
    waiver = Waiver.objects.get(source_id="test-record-1")
    assert waiver.naics_id == "999990" and waiver.psc_id == "ZZ9Z"
    assert NaicsCode.objects.get(code="999990").in_reference is False
    assert PscCode.objects.get(code="ZZ9Z").in_reference is False
    assert "warning test-record-1: NAICS code 999990 is not in the NAICS reference list" in output
    assert "warning test-record-1: PSC code ZZ9Z is not in the PSC reference list" in output


def test_malformed_codes_are_rejected_not_guessed(tmp_path):
    record = a_record(naics={"NAICS_Code": "33451", "NAICS_Title": ""}, psc={"pscCode": "66-40"})
    output = run(write_json(tmp_path, [record]))
    waiver = Waiver.objects.get(source_id="test-record-1")
    assert waiver.naics_id is None and waiver.psc_id is None
    assert "NAICS code '33451' is not 6 digits; left empty" in output
    assert "PSC code '66-40' is not 1-4 letters or digits; left empty" in output


@pytest.mark.parametrize(
    ("record", "reason"),
    [
        ({"_id": "no-data"}, "rejected no-data: has no `data` object"),
        ({"_id": "list-data", "data": []}, "rejected list-data: `data` is"),
        ({"data": {}}, "rejected record 2: has no source id"),
        ("just a string", "rejected record 2: is a string, not a waiver record object"),
        (
            {**a_record("bad-created"), "created": "yesterday"},
            "rejected bad-created: created timestamp 'yesterday' is not ISO 8601",
        ),
        (
            {key: value for key, value in a_record("no-created").items() if key != "created"},
            "rejected no-created: has no created timestamp",
        ),
        (
            a_record("odd-type", waiverType="Gift card"),
            "rejected odd-type: waiver type 'Gift card' is not a known type",
        ),
    ],
)
def test_malformed_records_are_rejected_with_reason(tmp_path, record, reason):
    output = run(write_json(tmp_path, [a_record("good-1"), record]))
    assert reason in output
    assert "read 2, created 1, updated 0, unchanged 0, rejected 1" in output
    assert list(
        Waiver.objects.filter(
            source_id__in=["good-1", "no-data", "list-data", "no-created", "odd-type"]
        ).values_list("source_id", flat=True)
    ) == ["good-1"]


def test_a_record_that_fails_to_save_leaves_nothing_behind(tmp_path):
    # Another waiver already holds the public id this source id maps to.
    WaiverFactory(public_id=public_id_for_source("collides"))
    record = a_record("collides", naics={"NAICS_Code": 999991, "NAICS_Title": "New"})
    before = counts()
    output = run(write_json(tmp_path, [record]))
    assert "rejected collides: could not be saved" in output
    assert counts() == before  # no waiver, history, audit row or NAICS code
    assert not NaicsCode.objects.filter(code="999991").exists()


# --- unreadable files ------------------------------------------------------------------


def truncated(tmp_path, source: Path) -> Path:
    text = source.read_text(encoding="utf-8")
    path = tmp_path / f"truncated-{source.name}"
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('[{"_id": "x", "data": {', "is not valid JSON"),
        ('{"waivers": []}', "must hold a JSON list of waiver records, but holds an object"),
        ("", "is empty"),
        ("id,title\n1,Laser\n", "is neither MIAO's JSON nor its CSV download"),
    ],
)
def test_unreadable_file_exits_with_one_line_and_writes_nothing(tmp_path, content, message):
    path = tmp_path / "input.dat"
    path.write_text(content, encoding="utf-8")
    before = counts()
    with pytest.raises(CommandError) as excinfo:
        run(path)
    assert message in str(excinfo.value)
    assert "\n" not in str(excinfo.value)
    assert counts() == before


@pytest.mark.parametrize("source", [WAIVERS_JSON, WAIVERS_CSV, URGENT_JSON])
def test_truncated_published_file_writes_nothing(tmp_path, source):
    before = counts()
    with pytest.raises(CommandError, match="truncated"):
        run(truncated(tmp_path, source))
    assert counts() == before


def test_non_utf8_file_is_refused(tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("_id,created\n1,caf\xe9\n".encode("latin-1"))
    with pytest.raises(CommandError, match="is not UTF-8 text"):
        run(path)


def test_missing_file_is_refused():
    with pytest.raises(CommandError, match="cannot be read"):
        run(MIAO / "no-such-file.json")


def test_one_unreadable_file_stops_the_whole_command(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("[", encoding="utf-8")
    good = write_json(tmp_path, [a_record()])
    before = counts()
    with pytest.raises(CommandError):
        run(good, bad)
    assert counts() == before


# --- dry run and identifiers -----------------------------------------------------------


def test_dry_run_reports_the_same_and_writes_nothing(tmp_path):
    path = write_json(
        tmp_path,
        [
            a_record("one"),
            a_record("two", fundingAgencyId="QQ00"),
            a_record("three", contractingOfficeAgencyId="ZZ99"),
        ],
    )
    before = counts()
    dry = run(path, dry_run=True)
    assert counts() == before
    assert dry.splitlines()[-1] == "Dry run: nothing was written."
    real = run(path)
    assert dry.splitlines()[:-1] == real.splitlines()
    assert Waiver.objects.filter(source_id__in=["one", "two"]).count() == 2


def test_public_id_is_derived_from_the_source_id():
    digest = hashlib.sha256(b"624462261d5c030ceac2b027").digest()
    number = int.from_bytes(digest[:5], "big")
    alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    expected = "MIA-" + "".join(alphabet[(number >> s) & 31] for s in range(35, -1, -5))
    assert public_id_for_source("624462261d5c030ceac2b027") == expected
    assert public_id_for_source("a") != public_id_for_source("b")


def test_reference_agencies_are_used_not_created(tmp_path):
    before = Agency.objects.count()
    run(write_json(tmp_path, [copy.deepcopy(a_record())]))
    assert Agency.objects.count() == before
