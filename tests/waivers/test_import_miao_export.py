"""import_miao and MIAO's current waiver export (2026-03-09): reading it,
its bad-input cases, and merging it with the 2022 files by source id."""

import csv
import io
import json

import pytest
from django.core.management import CommandError
from django.db import transaction

from tests.waivers.test_import_miao import MIAO, WAIVERS_JSON, counts, run
from waivers.models import Waiver

pytestmark = pytest.mark.django_db

EXPORT = MIAO / "waivers-export-2026-03-09.csv"
EXPORT_ROWS = list(csv.reader(EXPORT.open(newline="", encoding="utf-8")))
HEADER, RECORDS = EXPORT_ROWS[0], EXPORT_ROWS[1:]
OVERLAP = {r["_id"] for r in json.loads(WAIVERS_JSON.read_text())} & {r[0] for r in RECORDS}


def column(name: str) -> int:
    return HEADER.index(name)


def write_export(tmp_path, rows, header=None, name="export.csv", **options) -> "Path":  # noqa: F821
    out = io.StringIO()
    csv.writer(out, lineterminator=options.get("newline", "\n")).writerows(
        [header or HEADER, *rows]
    )
    path = tmp_path / name
    path.write_bytes(
        options.get("prefix", b"") + out.getvalue().encode(options.get("enc", "utf-8"))
    )
    return path


def row_with(source_id="export-1", **cells) -> list[str]:
    row = list(RECORDS[0])
    row[0] = source_id
    for name, value in cells.items():
        row[column(name)] = value
    return row


def test_export_records_are_normalised(tmp_path):
    public_interest = next(r for r in RECORDS if r[column("Waiver_Type")] == "Public Interest")
    multi = row_with(
        "multi-piid",
        **{
            "Procurement_Instrument_Identifier(s)_(PIID)_for_this_waiver_(if_applicable)": (
                "36C77025P0164;36C77025P0161 / 36c77025p0162"
            ),
            "Public_Comment_Link": "https://sam.gov/opp/abc/view",
            "Waiver_Expiration_Date": "2026-11-12",
            "Waiver_Start_Date": "2025-11-12",
            "Is_the_end_product_a_commercially_available_off-the-shelf_(COTS)_item?": "No",
            "Is_the_end_product_a_critical_item_or_does_it_contain_a_critical_component?": (
                "Unknown"
            ),
            "Expected_Maximum_Duration_of_the_Proposed_Waiver": "Between 6 months and 1 year",
        },
    )
    output = run(write_export(tmp_path, [RECORDS[0], public_interest, multi]))
    assert output.splitlines()[0].startswith(
        "export.csv (MIAO waiver export CSV): read 3, created 3, updated 0, unchanged 0, rejected 0"
    )
    first = Waiver.objects.get(source_id=RECORDS[0][0])
    assert first.naics_id == "334516" and first.psc_id == "6640"
    assert first.naics.title  # from the reference list
    assert first.status == Waiver.Status.SUBMITTED  # published as Submitted, no determination
    assert first.expected_duration == Waiver.Duration.INSTANT
    assert first.piids == ["75F40126P00017"]
    assert first.submitted_at.isoformat() == "2026-03-09T18:51:55.311833+00:00"
    pi = Waiver.objects.get(source_id=public_interest[0])
    assert pi.waiver_type == Waiver.Type.PUBLIC_INTEREST
    assert pi.public_interest_justification.startswith(
        public_interest[column(HEADER[26])].strip()[:40]
    )
    waiver = Waiver.objects.get(source_id="multi-piid")
    assert waiver.piids == ["36C77025P0164", "36C77025P0161", "36C77025P0162"]
    assert waiver.public_comment_link == "https://sam.gov/opp/abc/view"
    assert (waiver.end_product_cots, waiver.end_product_critical) == (False, None)
    assert str(waiver.expiration_date) == "2026-11-12" == str(waiver.expires)
    assert waiver.expires_is_estimate is False
    # No published expiration date: estimated from the submission date.
    assert first.expires == first.submitted_at.date() and first.expires_is_estimate


def test_javascript_comment_link_is_rejected_not_stored(tmp_path):
    output = run(write_export(tmp_path, [row_with(Public_Comment_Link="javascript:alert(1)")]))
    assert (
        "rejected field export-1: public comment link 'javascript:alert(1)' is not an http or "
        "https address; left empty" in output
    )
    assert Waiver.objects.get(source_id="export-1").public_comment_link == ""


def test_missing_column_refuses_the_whole_file_naming_it(tmp_path):
    drop = column("Waiver_Title")
    rows = [[c for i, c in enumerate(r) if i != drop] for r in RECORDS[:3]]
    header = [c for i, c in enumerate(HEADER) if i != drop]
    before = counts()
    with pytest.raises(CommandError) as excinfo:
        run(write_export(tmp_path, rows, header=header))
    assert "the header lacks the column Waiver_Title. Nothing was imported." in str(excinfo.value)
    assert counts() == before


def test_extra_columns_are_reported_as_ignored(tmp_path):
    header = [*HEADER, "Internal_Notes"]
    output = run(write_export(tmp_path, [[*RECORDS[0], "x"]], header=header))
    assert "  ignored columns (not columns of MIAO's waiver export CSV): Internal_Notes" in output
    assert "created 1" in output


def test_bad_record_is_rejected_by_name_and_the_rest_import(tmp_path):
    conflicting = row_with("two-types")
    conflicting[len(HEADER) - 1] = "Public Interest"  # the second Waiver_Type column
    rows = [
        RECORDS[0],
        row_with("no-agency", Contracting_Office_Agency_ID="ZZ99"),
        conflicting,
        row_with("bad-created", created="yesterday"),
    ]
    output = run(write_export(tmp_path, rows))
    assert "read 4, created 1, updated 0, unchanged 0, rejected 3" in output
    assert "rejected no-agency: contracting office agency code 'ZZ99' is not a known" in output
    assert (
        "rejected two-types: Waiver_Type is given twice with different values "
        "('Nonavailability' and 'Public Interest')" in output
    )
    assert "rejected bad-created: created timestamp 'yesterday' is not ISO 8601" in output
    assert "None" not in output and "<" not in output


@pytest.mark.parametrize(
    "options", [{"prefix": "\ufeff".encode()}, {"newline": "\r\n"}, {"enc": "utf-16"}]
)
def test_bom_crlf_and_utf16_read_the_same(tmp_path, options):
    rows = RECORDS[:5]
    plain = run(write_export(tmp_path, rows, name="plain.csv"))
    expected = {
        w.source_id: (w.summary, w.procurement_title)
        for w in Waiver.objects.filter(source_id__in=[r[0] for r in rows])
    }
    Waiver.objects.filter(source_id__in=expected).delete()
    other = run(write_export(tmp_path, rows, name="plain.csv", **options))
    assert other.splitlines()[0] == plain.splitlines()[0]
    assert {
        w.source_id: (w.summary, w.procurement_title)
        for w in Waiver.objects.filter(source_id__in=expected)
    } == expected
    assert all("\r" not in summary for summary, _ in expected.values())


def test_windows_1252_file_is_refused_naming_the_encoding(tmp_path):
    path = write_export(tmp_path, [row_with(Waiver_Title="Café “pumps”")], enc="cp1252")
    before = counts()
    with pytest.raises(CommandError, match="it looks like Windows-1252"):
        run(path)
    assert counts() == before


def test_mojibake_is_refused_never_stored(tmp_path):
    garbled = "Café’s pumps".encode().decode("cp1252")  # "CafÃ©â€™s pumps"
    path = write_export(tmp_path, [row_with(Waiver_Title=garbled)])
    with pytest.raises(CommandError, match="converted twice"):
        run(path)
    assert not Waiver.objects.filter(source_id="export-1").exists()


def api_csv(client) -> list[dict]:
    response = client.get("/api/v1/waivers/", {"format": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    for row in rows:
        row.pop("modified_at")  # when this database wrote the row, not part of the record
    return rows


def test_import_order_does_not_change_the_public_record(tmp_path, client):
    export = write_export(tmp_path, [r for r in RECORDS if r[0] in OVERLAP] + RECORDS[:20])
    with transaction.atomic():
        run(export)
        first = run(WAIVERS_JSON)
        forward = api_csv(client)
        again = run(export) + run(WAIVERS_JSON)
        transaction.set_rollback(True)
    assert Waiver.objects.count() == 0
    run(WAIVERS_JSON)
    run(export)
    assert api_csv(client) == forward
    assert len(forward) > 90
    # The export lacks rationale and countries: the 2022 values are kept.
    laser = next(row for row in forward if row["public_id"] and row["rationale"])
    assert laser["rationale"]
    assert "duplicate 1" in first and "updated" in first
    # Re-importing either file changes nothing.
    assert "created 0, updated 0" in again.splitlines()[0]


def test_later_state_becomes_a_history_row_dated_by_the_source(tmp_path):
    moved = next(
        r
        for r in json.loads(WAIVERS_JSON.read_text())
        if r["_id"] in OVERLAP and r["data"]["requestStatus"] == "Submitted"
    )
    run(WAIVERS_JSON)
    waiver = Waiver.objects.get(source_id=moved["_id"])
    assert waiver.status == Waiver.Status.SUBMITTED
    row = next(r for r in RECORDS if r[0] == moved["_id"])
    output = run(write_export(tmp_path, [row]))
    assert f"updated {moved['_id']}:" in output and "determination" in output
    waiver.refresh_from_db()
    assert waiver.status == Waiver.Status.REVIEWED
    last = waiver.status_changes.last()
    assert (last.from_status, last.to_status) == ("submitted", "reviewed")
    assert last.at.isoformat().startswith(row[column("modified")][:10])


def test_unpublished_determination_is_shown_as_such_not_as_overdue(tmp_path, client):
    run(write_export(tmp_path, [RECORDS[0]]))
    waiver = Waiver.objects.get(source_id=RECORDS[0][0])
    assert not Waiver.objects.open_for_review().filter(pk=waiver.pk).exists()
    page = client.get(waiver.get_absolute_url()).content.decode()
    assert "No determination published (as of" in page
    assert "overdue" not in page.lower()
