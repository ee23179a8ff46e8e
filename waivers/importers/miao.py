"""Import the Made in America Office's published waiver data.

Three published files are understood, told apart by their content, not their
names: the JSON export of proposed waivers (`waivers-data.json`), the JSON
export of urgent requirements reports (`urgent-waivers-data.json`) and the
site's CSV download (`waivers.csv`, with JSON inside the PIID and country
cells). Both JSON files are lists of form submissions
`{"_id", "state", "created", "modified", "data": {...}}`; CSV rows are turned
into the same shape, so one normaliser serves all three.

How the import behaves:

- A file that cannot be read or parsed raises UnreadableFile before anything
  is written. Every file given to one command is read first.
- Each record is written wholly or not at all: a change to a waiver on record
  in its own savepoint; new records in batches (services.save_published), a
  batch the database refuses being written again record by record so the bad
  one is rejected by name; a record that changes nothing writes nothing
  (import_records, decision 0016).
- Records are matched by their source id (`_id`); a re-import updates them and
  never duplicates. The public id is derived from the source id, so a fresh
  database gives every imported waiver the same URL.
- Spelling variants (case, camelCase, "N/A", empty strings, nested values in
  another shape) are normalised. A value that cannot be understood is dropped
  and reported ("rejected field"); it never silently becomes a default. A
  record without a known contracting agency or creation time is rejected.
- Status changes go through waivers.services only (for new records, their
  in-memory form: build_published, published_transition): submit at the
  source's creation time, then, for a reviewed record, record_determination
  at its modification time. A status never moves backwards.
- Obviously fake records are imported with `is_test_record=True` (never
  public) and flagged in the report (see placeholders.py).
"""

import copy
import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import DatabaseError, transaction

from agencies.models import Agency
from miao_site.importing import ImportReport, UnreadableFile
from waivers import services, workflow
from waivers.importers.placeholders import test_data_reason
from waivers.models import NaicsCode, PscCode, UrgentReport, Waiver
from waivers.models.waiver import PUBLIC_ID_BITS, public_id_from_number
from waivers.search import refresh_search_vectors

Status = Waiver.Status
Determination = Waiver.Determination

IMPORT_NOTE = "Imported from MIAO's published data (record {source_id})."
UPDATE_NOTE = "Updated from MIAO's published data (record {source_id})."
POSTED_NOTE = "Posted, as published by MIAO."
DETERMINATION_NOTE = "Determination as published by MIAO."
REVISED_NOTE = "Determination as published later by MIAO (previously: {previous})."
WITHDRAWN_NOTE = "Withdrawn, as published by MIAO."
# Written where the database requires text that MIAO's record does not carry.
# These say what is missing; they do not make up an explanation.
MISSING_CONDITIONS = "MIAO's published record does not state the conditions of this determination."
MISSING_EXPLANATION = (
    "MIAO's published record does not include a written explanation of this determination."
)


def public_id_for_source(source_id: str) -> str:
    """A stable public id for an imported record: the first 40 bits of
    sha256(source id), encoded as every public id is."""
    digest = hashlib.sha256(source_id.encode()).digest()
    return public_id_from_number(int.from_bytes(digest[: PUBLIC_ID_BITS // 8], "big"))


# --- reading files -------------------------------------------------------------


@dataclass
class SourceRecord:
    position: str  # "record 3" (JSON) or "line 7" (CSV), for records without an id
    raw: Any


# Formats, ranked: when two published records of a waiver have the same
# `modified` time, the newer format's values win (its export is the later
# publication of the same state).
RANK_2022 = 1  # the 2021-22 JSON exports and the site's CSV download
RANK_EXPORT = 2  # the current waiver export (2026-03-09 and later)


@dataclass
class SourceFile:
    path: Path
    kind: str  # "JSON", "CSV" or "waiver export CSV"
    records: list[SourceRecord]
    rank: int = RANK_2022
    # File-level findings for the report (ignored columns).
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.path.name} (MIAO {self.kind})"


def _key(value: Any) -> str:
    """Compare spellings loosely: "Post-solicitation", "postSolicitation" and
    "POST_SOLICITATION" all become "postsolicitation"."""
    return _key_text(str(value))


@lru_cache(maxsize=8192)
def _key_text(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


class _InvalidCell:
    """A CSV cell that should hold JSON but does not parse."""

    def __init__(self, text: str):
        self.text = text


@dataclass(frozen=True)
class CsvFormat:
    """One of MIAO's CSV layouts: its columns (as published) and what each
    becomes in a JSON-shaped record (a `data` key, or a top-level one)."""

    kind: str
    rank: int
    data_columns: tuple[tuple[str, str], ...]  # (column, data key)
    top_columns: tuple[tuple[str, str], ...]  # (column, record key)
    required: tuple[str, ...]  # columns without which the file is refused
    json_cells: frozenset[str] = frozenset()  # data keys holding JSON
    ignored: tuple[str, ...] = ()  # known columns the site does not use

    @cached_property
    def columns(self) -> dict[str, str]:
        """_key(column) -> column as published, for every known column."""
        names = [c for c, _ in self.data_columns + self.top_columns] + list(self.ignored)
        return {_key(name): name for name in names}

    @cached_property
    def distinctive(self) -> set[str]:
        """Known columns that the other formats do not have (for detection)."""
        others = set().union(*(f.columns for f in CSV_FORMATS if f is not self))
        return set(self.columns) - others


_TOP = (("_id", "_id"), ("state", "state"), ("created", "created"), ("modified", "modified"))

CSV_2022 = CsvFormat(
    kind="CSV",
    rank=RANK_2022,
    top_columns=_TOP,
    data_columns=(
        ("Contracting_Office_Agency_Id", "contractingOfficeAgencyId"),
        ("Contracting_Office_Agency_Name", "contractingOfficeAgencyName"),
        ("Funding_Agency_Id", "fundingAgencyId"),
        ("Funding_Agency_Name", "fundingAgencyName"),
        ("NAICS_Code", "naicsCode"),
        ("NAICS_Title", "naicsTitle"),
        ("Psc_Code", "pscCode"),
        ("Psc_Name", "pscName"),
        ("Procurement_Stage", "procurementStage"),
        ("Procurement_Title", "procurementTitle"),
        ("Summary_of_Procurement", "summaryOfProcurement"),
        ("Sources_Sought_or_RfiIssued", "sourcesSoughtOrRfiIssued"),
        ("Piids", "piids"),
        ("Is_Price_Preference_Included", "isPricePreferenceIncluded"),
        ("Waiver_Coverage", "waiverCoverage"),
        ("Waiver_Rationale_Summary", "waiverRationaleSummary"),
        (
            "Expected_Maximum_Duration_Of_The_Request_Waiver",
            "expectedMaximumDurationOfTheRequestedWaiver",
        ),
        (
            "Expected_Maximum_Duration_Of_The_Requested_Waiver",
            "expectedMaximumDurationOfTheRequestedWaiver",
        ),
        ("Request_Status", "requestStatus"),
        ("OMB_Determination", "ombDetermination"),
        (
            "Conditions_Applicable_To_Consistency_Determination",
            "conditionsApplicableToConsistencyDetermination",
        ),
        ("Solicitation_Id", "solicitationId"),
        ("Countries_Of_Origin_And_USContent", "countriesOfOriginAndUSContent"),
        ("Waiver_Type", "waiverType"),
        ("Contract_Number", "contractNumber"),
        ("Date_Contract_Signed", "dateContractSigned"),
        (
            "Identify_Urgency_Contributed_To_Nonavailability",
            "identifyUrgencyContributedToNonavailability",
        ),
        ("Urgency_Contributed_Explanation", "urgencyContributedExplanation"),
        ("Anticipated_Mission_Impact_No_Waiver", "anticipatedMissionImpactNoWaiver"),
    ),
    required=(
        "_id",
        "created",
        "Contracting_Office_Agency_Id",
        "Procurement_Title",
        "Request_Status",
        "OMB_Determination",
    ),
    json_cells=frozenset({"piids", "countriesOfOriginAndUSContent"}),
    ignored=("Psc_Id",),
)

CSV_EXPORT = CsvFormat(
    kind="waiver export CSV",
    rank=RANK_EXPORT,
    top_columns=_TOP,
    data_columns=(
        ("Waiver_Title", "procurementTitle"),
        ("North_American_Industry_Classification_System_(NAICS)", "naics"),
        ("Product_Service_Code_(PSC)", "psc"),
        ("Waiver_Type", "waiverType"),
        ("OMB_Determination", "ombDetermination"),
        ("Request_Status", "requestStatus"),
        ("Waiver_Start_Date", "waiverStartDate"),
        ("Waiver_Expiration_Date", "waiverExpirationDate"),
        ("Determination_Date", "determinationDate"),
        ("Withdrawal_Date", "withdrawalDate"),
        (
            "Assessment_of_any_cost_advantages_of_the_foreign_source_product_(500_word_max)",
            "costAdvantageAssessment",
        ),
        ("certification", "certification"),
        ("Contracting_Office_Agency_ID", "contractingOfficeAgencyId"),
        ("Contracting_Office_Agency_Name", "contractingOfficeAgencyName"),
        (
            "Expected_Maximum_Duration_of_the_Proposed_Waiver",
            "expectedMaximumDurationOfTheRequestedWaiver",
        ),
        ("Funding_Agency_ID", "fundingAgencyId"),
        ("Funding_Agency_Name", "fundingAgencyName"),
        ("Is_the_end_product_a_commercially_available_off-the-shelf_(COTS)_item?", "isCots"),
        (
            "Is_the_end_product_a_critical_item_or_does_it_contain_a_critical_component?",
            "isCriticalItem",
        ),
        (
            "Is_the_end_product_wholly_or_predominantly_iron,_steel,_or_a_combination_of_both?",
            "isIronOrSteel",
        ),
        (
            "Did_/_Will_the_solicitation_include_one_of_the_standard_Buy_American_Act_"
            "provisions_announcing_the_agency’s_intention_to_provide_a_price_preference_for_"
            "domestic_end_products_and_construction_material?",
            "isPricePreferenceIncluded",
        ),
        ("Procurement_Instrument_Identifier(s)_(PIID)_for_this_waiver_(if_applicable)", "piids"),
        (
            "Please_describe_why_this_is_in_the_public_interest_(500_word_max)",
            "publicInterestJustification",
        ),
        ("Procurement_stage", "procurementStage"),
        ("Public_Comment_Link", "publicCommentLink"),
        ("Solicitation_ID", "solicitationId"),
        ("Was_a_Sources_Sought_or_Request_for_Information_issued?", "sourcesSoughtOrRfiIssued"),
        ("Waiver_Coverage", "waiverCoverage"),
        ("Summary_of_Procurement_(500_word_max)", "summaryOfProcurement"),
    ),
    required=(
        "_id",
        "created",
        "modified",
        "Waiver_Title",
        "Contracting_Office_Agency_ID",
        "Request_Status",
        "OMB_Determination",
        "Waiver_Type",
    ),
    ignored=("Agency_Name",),
)
CSV_FORMATS = (CSV_2022, CSV_EXPORT)


def _decode(path: Path, data: bytes) -> str:
    """The file's text: UTF-8 with or without a byte-order mark (or UTF-16
    with one), line endings made LF. Any other encoding is refused, naming
    it where it can be told, and so is text already garbled by a wrong
    conversion: mojibake is never imported."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise UnreadableFile(f"{path.name} is not valid UTF-16 text.") from exc
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            guess = ""
            try:
                data.decode("cp1252")
                guess = (
                    "; it looks like Windows-1252 (as a spreadsheet program saves it): "
                    "save it as CSV UTF-8 and import it again"
                )
            except UnicodeDecodeError:
                pass
            raise UnreadableFile(
                f"{path.name} is not UTF-8 text (byte {exc.start}){guess}."
            ) from exc
    garbled = _double_encoded(text)
    if garbled:
        raise UnreadableFile(
            f"{path.name} holds text converted twice (UTF-8 read as Windows-1252, "
            f"e.g. {garbled!r}); import the original UTF-8 file."
        )
    return text.replace("\r\n", "\n").replace("\r", "\n")


_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f]+")


def _double_encoded(text: str) -> str | None:
    """The first run of characters that is UTF-8 read as Windows-1252 (such
    as "â€™" for "’"), or None. Genuine text never turns into valid UTF-8
    when written back as Windows-1252, bar contrived cases."""
    for match in _NON_ASCII_RUN.finditer(text):
        run = match.group()
        try:
            repaired = run.encode("cp1252").decode("utf-8")
        except UnicodeError:
            continue
        if repaired != run:
            return run
    return None


def read_source(path: Path) -> SourceFile:
    """Read and parse one published file, detecting JSON or CSV by content."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"{path} cannot be read: {exc.strerror or exc}.") from exc
    text = _decode(path, data)
    start = text.lstrip()[:1]
    if not start:
        raise UnreadableFile(f"{path.name} is empty.")
    if start in "[{":
        return SourceFile(path, "JSON", _read_json(path, text))
    return _read_csv(path, text)


def _json_kind(value: Any) -> str:
    return {dict: "an object", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _read_json(path: Path, text: str) -> list[SourceRecord]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(
            f"{path.name} is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
            "the file may be truncated."
        ) from exc
    if not isinstance(document, list):
        raise UnreadableFile(
            f"{path.name} must hold a JSON list of waiver records, "
            f"but holds {_json_kind(document)}."
        )
    return [SourceRecord(f"record {n}", item) for n, item in enumerate(document, start=1)]


def _detect(path: Path, header: list[str]) -> CsvFormat:
    """The CSV format whose own columns the header has most of."""
    keys = {_key(name) for name in header}
    scores = [(len(keys & f.distinctive), f) for f in CSV_FORMATS]
    best_score, best = max(scores, key=lambda pair: pair[0])
    if best_score == 0:
        missing = [name for name in CSV_2022.required if _key(name) not in keys]
        raise UnreadableFile(
            f"{path.name} is neither MIAO's JSON nor its CSV download: "
            f"the header lacks the columns {', '.join(missing)}."
        )
    missing = [name for name in best.required if _key(name) not in keys]
    if missing:
        plural = "columns" if len(missing) > 1 else "column"
        raise UnreadableFile(
            f"{path.name} looks like MIAO's {best.kind}, but the header lacks the {plural} "
            f"{', '.join(missing)}."
        )
    return best


def _read_csv(path: Path, text: str) -> SourceFile:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise UnreadableFile(
            f"{path.name} is not valid CSV (line {reader.line_num}: {exc}); "
            "the file may be truncated."
        ) from exc
    header = [name.strip() for name in header]
    found = _detect(path, header)
    known = found.columns
    columns = [_key(name) for name in header]
    source = SourceFile(path, found.kind, [], rank=found.rank)
    ignored = [name for name, key in zip(header, columns, strict=True) if key not in known]
    if ignored:
        source.notes.append(
            f"ignored columns (not columns of MIAO's {found.kind}): "
            + ", ".join(name or "(unnamed)" for name in ignored)
        )
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            raise UnreadableFile(
                f"{path.name} line {line} has {len(row)} fields where the header has "
                f"{len(header)}; the file may be truncated or malformed."
            )
        source.records.append(SourceRecord(f"line {line}", _csv_record(found, columns, row)))
    return source


def _csv_record(found: CsvFormat, columns: list[str], row: list[str]) -> dict:
    """One CSV row in the shape of a JSON record. A column named twice (the
    export's Waiver_Type) gives one value; two different values are a conflict
    the normaliser rejects."""
    cells: dict[str, str] = {}
    conflicts: list[str] = []
    for column, value in zip(columns, row, strict=True):
        value = value.strip()
        if column in cells and value and cells[column] and cells[column] != value:
            conflicts.append(
                f"{found.columns.get(column, column)} is given twice with different values "
                f"({_shown(cells[column])} and {_shown(value)})"
            )
        if value or column not in cells:
            cells[column] = value
    record: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for column, name in found.top_columns:
        if cells.get(_key(column)):
            record[name] = cells[_key(column)]
    for column, name in found.data_columns:
        value: Any = cells.get(_key(column), "")
        if not value:
            continue
        if name in found.json_cells and value[:1] in "[{":
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                value = _InvalidCell(value)
        data[name] = value
    if data.get("naicsCode"):
        data["naics"] = {
            "NAICS_Code": data.pop("naicsCode"),
            "NAICS_Title": data.pop("naicsTitle", ""),
        }
    if data.get("pscCode"):
        data["psc"] = {"pscCode": data.pop("pscCode"), "pscName": data.pop("pscName", "")}
    data.pop("naicsTitle", None)
    data.pop("pscName", None)
    record["data"] = data
    if conflicts:
        record["_conflicts"] = conflicts
    return record


# --- normalising one record -------------------------------------------------------


class RecordRejected(Exception):
    """The record cannot be imported at all; the reason says why."""


def _choices(enum, **extra: str) -> dict[str, str]:
    """A lookup from every loose spelling (_key) of an enum's values and labels."""
    table = {}
    for value, label in enum.choices:
        table[_key(value)] = value
        table[_key(label)] = value
    table.update({_key(k): v for k, v in extra.items()})
    return table


_NULLS = {"", "na", "none", "null", "notapplicable", "nan", "undefined"}

_TYPE = _choices(
    Waiver.Type,
    urgentRequirementsReport=Waiver.Type.URGENT_REPORT,
    urgentRequirements=Waiver.Type.URGENT_REPORT,
    nonavailabilityWaiver=Waiver.Type.NONAVAILABILITY,
    unreasonableCostWaiver=Waiver.Type.UNREASONABLE_COST,
    pricePreference=Waiver.Type.UNREASONABLE_COST,
    publicInterestWaiver=Waiver.Type.PUBLIC_INTEREST,
    jonesActWaiver=Waiver.Type.JONES_ACT,
)
_STAGE = _choices(
    Waiver.ProcurementStage,
    pre=Waiver.ProcurementStage.PRE_SOLICITATION,
    post=Waiver.ProcurementStage.POST_SOLICITATION,
)
_COVERAGE = _choices(
    Waiver.Coverage,
    individual=Waiver.Coverage.INDIVIDUAL,
    multiProcurement=Waiver.Coverage.MULTI_PROCUREMENT,
    multipleProcurementWaiver=Waiver.Coverage.MULTI_PROCUREMENT,
)
_D = Waiver.Duration
_DURATION = _choices(
    _D,
    instantDeliveryOnly=_D.INSTANT,
    instantDelivery=_D.INSTANT,
    **{
        "0 - 6 months": _D.UP_TO_6_MONTHS,
        "0 to 6 months": _D.UP_TO_6_MONTHS,
        "Between 0 and 6 months": _D.UP_TO_6_MONTHS,
        "less than 6 months": _D.UP_TO_6_MONTHS,
        "Between 6 months and 1 year": _D.SIX_TO_12_MONTHS,
        "6 months to 1 year": _D.SIX_TO_12_MONTHS,
        "Between 1 and 2 years": _D.ONE_TO_2_YEARS,
        "1 to 2 years": _D.ONE_TO_2_YEARS,
        "Between 2 and 3 years": _D.TWO_TO_3_YEARS,
        "2 to 3 years": _D.TWO_TO_3_YEARS,
        "Between 3 and 5 years": _D.THREE_TO_5_YEARS,
        "3 to 5 years": _D.THREE_TO_5_YEARS,
        "More than 5 years": _D.OVER_5_YEARS,
        "over 5 years": _D.OVER_5_YEARS,
        "greater than 5 years": _D.OVER_5_YEARS,
    },
)
_REQUEST_STATUS = {"submitted": Status.SUBMITTED, "reviewed": Status.REVIEWED}
_DETERMINATION = _choices(Determination)
_URGENCY = _choices(UrgentReport.UrgencyContributed)
_YES_NO = {"yes": True, "y": True, "true": True, "no": False, "n": False, "false": False}

# Answers to the current form's yes/no questions; "unknown" stays apart from "no".
_UNKNOWN = {"unknown", "notsure", "uncertain", "dontknow", "notknown", "undetermined"}

_NAICS = re.compile(r"^(\d{6})(?:\.0+)?$")
_PSC = re.compile(r"^[A-Z0-9]{1,4}$")
# The current export's "code - title" cells.
_CODE_AND_TITLE = re.compile(r"^\s*([^\s-]+)\s+-\s*(.*?)\s*$", re.DOTALL)
# PIID cells that say there is none yet ("N/A - PIID has not been created", "TBD").
_NO_PIID = re.compile(
    r"^(n/?a|tbd|to be determined|none|pending|not yet (assigned|awarded))\b", re.I
)
# Several PIIDs in one cell: separated by commas, semicolons, new lines or " / ".
_PIID_SPLIT = re.compile(r"[,;\n]|\s+/\s+|\s+and\s+", re.I)
_HTTP_URL = URLValidator(schemes=["http", "https"])


@dataclass
class Normalised:
    """A record in the model's terms, ready to write."""

    source_id: str
    waiver_type: str
    contracting_agency: Agency
    created: dt.datetime
    modified: dt.datetime
    fields: dict[str, Any]
    naics: tuple[str, str] | None
    psc: tuple[str, str] | None
    urgent: dict[str, Any] | None
    request_status: str | None
    determination: str
    conditions: str
    test_reason: str | None
    withdrawal_date: dt.date | None = None


@dataclass
class _Notes:
    """Field-level findings for one record, reported only if the record is kept."""

    record_id: str
    rejected_fields: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def reject_field(self, reason: str) -> None:
        self.rejected_fields.append(reason)

    def warn(self, reason: str) -> None:
        self.warnings.append(reason)

    def into(self, report: ImportReport) -> None:
        for reason in self.rejected_fields:
            report.reject_field(self.record_id, reason)
        for reason in self.warnings:
            report.warn(self.record_id, reason)


def _shown(value: Any, limit: int = 40) -> str:
    text = value.text if isinstance(value, _InvalidCell) else str(value)
    text = " ".join(text.split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "…")


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, str) and _key(value) in _NULLS)


def _timestamp_problem(name: str, value: Any) -> str:
    """Why a record's timestamp cannot be read: absent, or not ISO 8601."""
    if _is_null(value) or (isinstance(value, str) and not value.strip()):
        return f"has no {name} timestamp"
    return f"{name} timestamp {_shown(value)} is not ISO 8601"


def _parse_timestamp(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


class _Normaliser:
    def __init__(self, record: SourceRecord, agencies: dict[str, Agency], departments: set[str]):
        self.record = record
        self.agencies = agencies
        self.departments = departments
        self.record_id = record.position  # until the source id is known
        self.notes = _Notes(self.record_id)
        self.data: dict[str, Any] = {}

    def identify(self) -> None:
        """Check the record's shape and find its source id."""
        raw = self.record.raw
        if not isinstance(raw, dict):
            raise RecordRejected(f"is {_json_kind(raw)}, not a waiver record object")
        source_id = raw.get("_id")
        if isinstance(source_id, int) and not isinstance(source_id, bool):
            source_id = str(source_id)
        if not isinstance(source_id, str) or not source_id.strip():
            raise RecordRejected("has no source id (`_id`)")
        self.source_id = source_id.strip()
        self.record_id = self.notes.record_id = self.source_id
        if len(self.source_id) > 64:
            raise RecordRejected(f"source id {_shown(self.source_id)} is longer than 64 characters")
        conflicts = raw.get("_conflicts")
        if conflicts:
            raise RecordRejected("; ".join(conflicts))
        data = raw.get("data")
        if not isinstance(data, dict):
            raise RecordRejected(
                "has no `data` object"
                if data is None
                else f"`data` is {_json_kind(data)}, not an object"
            )
        self.data = {_key(k): v for k, v in data.items()}

    def get(self, name: str) -> Any:
        return self.data.get(_key(name))

    # -- scalar helpers --

    def text(self, name: str, label: str, max_length: int | None = None) -> str:
        value = self.get(name)
        if _is_null(value):
            return ""
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.notes.reject_field(f"{label} is {_json_kind(value)}, not text; left empty")
            return ""
        text = str(value).strip()
        if max_length and len(text) > max_length:
            self.notes.reject_field(
                f"{label} is {len(text)} characters, more than {max_length}; left empty"
            )
            return ""
        return text

    def choice(self, name: str, label: str, table: dict[str, Any]) -> Any:
        value = self.get(name)
        if _is_null(value):
            return None
        if isinstance(value, bool) and table is _YES_NO:
            return value
        mapped = table.get(_key(value)) if isinstance(value, str | int) else None
        if mapped is None:
            self.notes.reject_field(f"{label} {_shown(value)} is not a known value; left empty")
        return mapped

    def answer(self, name: str, label: str) -> bool | None:
        """Yes (True), no (False), or unknown / not stated (None)."""
        value = self.get(name)
        if _is_null(value) or (isinstance(value, str) and _key(value) in _UNKNOWN):
            return None
        return self.choice(name, label, _YES_NO)

    def date(self, name: str, label: str) -> dt.date | None:
        """A published date: YYYY-MM-DD, MM/DD/YYYY or an ISO 8601 timestamp."""
        value = self.get(name)
        if _is_null(value):
            return None
        text = str(value).strip()
        for fmt in ("%Y-%m-%d", "%m/%d/%Y"):
            try:
                parsed = dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
            if parsed.year < 1900:
                break
            return parsed
        else:
            stamp = _parse_timestamp(text)
            if stamp is not None and stamp.year >= 1900:
                return stamp.date()
        self.notes.reject_field(f"{label} {_shown(value)} is not a date (YYYY-MM-DD); left empty")
        return None

    def link(self, name: str, label: str) -> str:
        """An http(s) address, or empty (anything else is rejected: a
        javascript: or data: link must never become a link on the site)."""
        text = self.text(name, label)
        if not text:
            return ""
        try:
            if len(text) > 500 or not re.match(r"^https?://", text, re.I):
                raise ValidationError("not http(s)")
            _HTTP_URL(text)
        except ValidationError:
            self.notes.reject_field(
                f"{label} {_shown(text)} is not an http or https address; left empty"
            )
            return ""
        return text

    def certification(self) -> None:
        """The export's `certification` cell is empty or "[]" (no data); any
        other value is reported, not used."""
        value = self.get("certification")
        if _is_null(value) or (isinstance(value, str) and value.strip() in ("[]", "{}")):
            return
        if isinstance(value, list) and not value:
            return
        self.notes.warn(f"certification {_shown(value)} is not used by the site; ignored")

    # -- the record --

    def run(self) -> Normalised:
        self.identify()
        created = _parse_timestamp(self.record.raw.get("created"))
        if created is None:
            raise RecordRejected(_timestamp_problem("created", self.record.raw.get("created")))
        modified = _parse_timestamp(self.record.raw.get("modified"))
        if modified is None:
            self.notes.warn(
                _timestamp_problem("modified", self.record.raw.get("modified"))
                + "; the creation time is used for the review"
            )
            modified = created
        modified = max(modified, created)

        waiver_type = Waiver.Type.NONAVAILABILITY  # MIAO published proposed nonavailability waivers
        raw_type = self.get("waiverType")
        if not _is_null(raw_type):
            waiver_type = _TYPE.get(_key(raw_type)) if isinstance(raw_type, str) else None
            if waiver_type is None:
                raise RecordRejected(f"waiver type {_shown(raw_type)} is not a known type")

        contracting = self.agency("contractingOfficeAgencyId", "contracting office agency")
        if contracting is None:
            raise RecordRejected("has no contracting office agency code")
        funding = self.agency("fundingAgencyId", "funding agency", required=False)

        title = self.text("procurementTitle", "procurement title", max_length=500)
        summary = self.text("summaryOfProcurement", "summary of procurement")
        rationale = self.text("waiverRationaleSummary", "waiver rationale summary")
        conditions = self.text(
            "conditionsApplicableToConsistencyDetermination", "determination conditions"
        )
        fields = {
            "funding_agency_id": funding.pk if funding else None,
            "procurement_title": title,
            "summary": summary,
            "rationale": rationale,
            "procurement_stage": self.choice("procurementStage", "procurement stage", _STAGE) or "",
            "sources_sought": self.choice(
                "sourcesSoughtOrRfiIssued", "sources sought or RFI issued", _YES_NO
            ),
            "price_preference_included": self.choice(
                "isPricePreferenceIncluded", "price preference included", _YES_NO
            ),
            "coverage": self.choice("waiverCoverage", "waiver coverage", _COVERAGE) or "",
            "expected_duration": self.choice(
                "expectedMaximumDurationOfTheRequestedWaiver",
                "expected maximum duration",
                _DURATION,
            )
            or "",
            "solicitation_id": self.text(
                "solicitationId", "solicitation ID", max_length=50
            ).upper(),
            "piids": self.piids(),
            "countries": self.countries(),
            "start_date": self.date("waiverStartDate", "waiver start date"),
            "expiration_date": self.date("waiverExpirationDate", "waiver expiration date"),
            "published_determination_date": self.date("determinationDate", "determination date"),
            "published_withdrawal_date": self.date("withdrawalDate", "withdrawal date"),
            "end_product_cots": self.answer("isCots", "COTS item answer"),
            "end_product_critical": self.answer("isCriticalItem", "critical item answer"),
            "end_product_iron_steel": self.answer("isIronOrSteel", "iron or steel answer"),
            "public_interest_justification": self.text(
                "publicInterestJustification", "public-interest justification"
            ),
            "cost_advantage_assessment": self.text(
                "costAdvantageAssessment", "cost advantage assessment"
            ),
            "public_comment_link": self.link("publicCommentLink", "public comment link"),
        }
        self.certification()
        start, end = fields["start_date"], fields["expiration_date"]
        if start and end and end < start:
            self.notes.reject_field(
                f"waiver expiration date {end:%Y-%m-%d} is before its start date "
                f"{start:%Y-%m-%d}; left empty"
            )
            fields["expiration_date"] = None
        texts = {"title": title, "summary": summary, "rationale": rationale}
        urgent = None
        if waiver_type == Waiver.Type.URGENT_REPORT:
            urgent = self.urgent_report()
            texts["mission impact"] = urgent["mission_impact"]
            texts["urgency explanation"] = urgent["urgency_explanation"]
        texts["conditions"] = conditions

        return Normalised(
            source_id=self.source_id,
            waiver_type=waiver_type,
            contracting_agency=contracting,
            created=created,
            modified=modified,
            fields=fields,
            naics=self.naics(),
            psc=self.psc(),
            urgent=urgent,
            request_status=self.choice("requestStatus", "request status", _REQUEST_STATUS),
            determination=self.choice("ombDetermination", "OMB determination", _DETERMINATION)
            or "",
            conditions=conditions,
            test_reason=test_data_reason(texts),
            withdrawal_date=fields["published_withdrawal_date"],
        )

    def agency(self, name: str, label: str, *, required: bool = True) -> Agency | None:
        value = self.get(name)
        if _is_null(value):
            return None
        code = str(value).strip().upper()
        agency = self.agencies.get(code)
        if agency is not None:
            return agency
        reason = f"{label} code {_shown(value)} is not a known FPDS sub-tier agency"
        if code in self.departments:
            reason = f"{label} code {_shown(value)} is a department code, not a sub-tier agency"
        if required:
            raise RecordRejected(reason)
        self.notes.reject_field(reason + "; left empty")
        return None

    def naics(self) -> tuple[str, str] | None:
        raw = self.get("naics")
        code, title = raw, ""
        if isinstance(raw, str) and (split := _CODE_AND_TITLE.match(raw)):
            code, title = split.groups()
        if isinstance(raw, dict):
            parts = {_key(k): v for k, v in raw.items()}
            code = parts.get("naicscode", parts.get("code"))
            title = parts.get("naicstitle", parts.get("title")) or ""
            title = title.strip() if isinstance(title, str) else ""
        if _is_null(code):
            return None
        match = (
            _NAICS.match(str(code).strip())
            if isinstance(code, str | int) and not isinstance(code, bool)
            else None
        )
        if match is None:
            self.notes.reject_field(f"NAICS code {_shown(code)} is not 6 digits; left empty")
            return None
        return match.group(1), title

    def psc(self) -> tuple[str, str] | None:
        raw = self.get("psc")
        code, name = raw, ""
        if isinstance(raw, str) and (split := _CODE_AND_TITLE.match(raw)):
            code, name = split.groups()
        if isinstance(raw, dict):
            parts = {_key(k): v for k, v in raw.items()}
            code = parts.get("psccode", parts.get("code"))
            name = parts.get("pscname", parts.get("name")) or ""
            name = name.strip() if isinstance(name, str) else ""
        if _is_null(code):
            return None
        text = str(code).strip().upper() if isinstance(code, str | int) else ""
        if isinstance(code, bool) or not _PSC.match(text):
            self.notes.reject_field(
                f"PSC code {_shown(code)} is not 1-4 letters or digits; left empty"
            )
            return None
        return text, name

    def piids(self) -> list[str]:
        raw = self.get("piids")
        if _is_null(raw):
            return []
        if isinstance(raw, _InvalidCell):
            self.notes.reject_field(f"PIIDs cell {_shown(raw)} is not valid JSON; left empty")
            return []
        if isinstance(raw, str):
            entries: Iterable[Any] = _PIID_SPLIT.split(raw)
        elif isinstance(raw, dict):
            entries = [raw]
        elif isinstance(raw, list):
            entries = raw
        else:
            self.notes.reject_field(f"PIIDs are {_json_kind(raw)}; left empty")
            return []
        piids: list[str] = []
        for entry in entries:
            value = entry
            if isinstance(entry, dict):
                value = {_key(k): v for k, v in entry.items()}.get("piid")
            if _is_null(value) or (isinstance(value, str) and _NO_PIID.match(value.strip())):
                continue
            if isinstance(value, bool) or not isinstance(value, str | int):
                self.notes.reject_field(f"PIID {_shown(entry)} is not text; dropped")
                continue
            piid = str(value).strip().upper()
            if len(piid) > 50:
                self.notes.reject_field(
                    f"PIID {_shown(piid)} is longer than 50 characters; dropped"
                )
            elif piid not in piids:
                piids.append(piid)
        return piids

    def countries(self) -> list[str]:
        raw = self.get("countriesOfOriginAndUSContent")
        if _is_null(raw):
            return []
        if isinstance(raw, _InvalidCell):
            self.notes.reject_field(f"countries cell {_shown(raw)} is not valid JSON; left empty")
            return []
        if isinstance(raw, str):
            entries: list[Any] = [part for part in re.split(r"[,;]", raw)]
        elif isinstance(raw, dict):
            entries = [raw]
        elif isinstance(raw, list):
            entries = raw
        else:
            self.notes.reject_field(f"countries of origin are {_json_kind(raw)}; left empty")
            return []
        codes: list[str] = []
        for entry in entries:
            value = entry
            if isinstance(entry, dict):
                parts = {_key(k): v for k, v in entry.items()}
                value = parts.get(_key("countryOfOriginAndUSContent"), entry)
            if _is_null(value):
                continue
            code = _country_code(value)
            if code is None:
                self.notes.reject_field(
                    f"country {_shown(value, 30)} is not an ISO 3166 country; dropped"
                )
            elif code not in codes:
                codes.append(code)
        return codes

    def urgent_report(self) -> dict[str, Any]:
        return {
            "contract_number": self.text("contractNumber", "contract number", max_length=50),
            "contract_signed_date": self.signed_date(),
            "urgency_contributed": self.choice(
                "identifyUrgencyContributedToNonavailability",
                "urgency contributed to nonavailability",
                _URGENCY,
            )
            or "",
            "urgency_explanation": self.text(
                "urgencyContributedExplanation", "urgency explanation"
            ),
            "mission_impact": self.text(
                "anticipatedMissionImpactNoWaiver", "anticipated mission impact"
            ),
        }

    def signed_date(self) -> dt.date | None:
        value = self.get("dateContractSigned")
        if _is_null(value):
            return None
        text = str(value).strip()
        parsed = None
        for fmt in ("%m/%d/%Y", "%Y-%m-%d"):
            try:
                parsed = dt.datetime.strptime(text, fmt).date()
                break
            except ValueError:
                continue
        if parsed is None:
            stamp = _parse_timestamp(text)
            parsed = stamp.date() if stamp else None
        if parsed is None:
            self.notes.reject_field(
                f"date contract signed {_shown(value)} is not MM/DD/YYYY; left empty"
            )
        elif parsed.year < 1900:
            self.notes.reject_field(
                f"date contract signed {_shown(value)} is before 1900, not a plausible "
                "contract date; left empty"
            )
            parsed = None
        return parsed


def _country_code(value: Any) -> str | None:
    """ISO 3166-1 alpha-2 for a country given as a dict (Two/Three/Numeric/Name),
    an alpha-2 or alpha-3 code, a numeric code or a name."""
    if isinstance(value, dict):
        parts = {_key(k): v for k, v in value.items()}
        for name in ("two", "alpha2", "three", "alpha3", "numeric", "name"):
            if not _is_null(parts.get(name)) and (code := _country_code(parts[name])):
                return code
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    if isinstance(value, int) or text.isdigit():
        country = pycountry.countries.get(numeric=f"{int(text):03d}")
        return country.alpha_2 if country else None
    if len(text) > 60:
        return None
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


# --- writing -------------------------------------------------------------------------


def _ensure_code(model, code: str, name: str, notes: _Notes, known: dict | None = None) -> str:
    """A NAICS or PSC code from waiver data: kept (marked not in the reference
    list) when the list lacks it, and reported. `known` caches, for one
    import, whether each code is in the reference list."""
    label = model._meta.verbose_name.removesuffix(" code")
    name_field = "title" if model is NaicsCode else "name"
    cache_key = (model, code)
    in_reference = known.get(cache_key) if known is not None else None
    if in_reference is None:
        row = model.objects.filter(code=code).first()
        if row is None:
            row = model(code=code, in_reference=False, **{name_field: name[:255]})
            row.full_clean()
            row.save()
        in_reference = row.in_reference
    if known is not None and in_reference:
        # Only reference rows are cached: a row made here may yet be rolled
        # back with its record's savepoint.
        known[cache_key] = True
    if not in_reference:
        notes.warn(
            f"{label} code {code} is not in the {label} reference list; kept, marked as such"
        )
    return code


# --- merging published records ---------------------------------------------------------
#
# One waiver appears in several published files. Each field keeps the value of
# the latest published record that carries it: the one with the latest
# `modified`, the newer format on a tie (RANK_*). A record carries a field when
# it gives it a value; an empty or missing value never blanks one that another
# record gave (the 2026 export has no rationale, no countries, and empty
# solicitation IDs for records the 2022 files hold). Waiver.source_field_times
# keeps, per field, the key of the record its value came from, so files can be
# imported in any order, and again, with the same result.

# The fields whose values merge by that rule (names as Normalised.fields, plus
# the code foreign keys and the test-data flag).
MERGED_FIELDS = (
    "funding_agency_id",
    "procurement_title",
    "summary",
    "rationale",
    "procurement_stage",
    "sources_sought",
    "price_preference_included",
    "coverage",
    "expected_duration",
    "solicitation_id",
    "piids",
    "countries",
    "start_date",
    "expiration_date",
    "published_determination_date",
    "published_withdrawal_date",
    "end_product_cots",
    "end_product_critical",
    "end_product_iron_steel",
    "public_interest_justification",
    "cost_advantage_assessment",
    "public_comment_link",
    "naics_id",
    "psc_id",
)
# Key of the determination on record in source_field_times.
DETERMINATION_KEY = "determination"
TEST_FLAG_KEY = "is_test_record"


def _source_key(n: Normalised, rank: int) -> list:
    """Which of two published records is later: [modified in UTC, format rank]."""
    return [n.modified.astimezone(dt.UTC).isoformat(timespec="microseconds"), rank]


def _carried(n: Normalised) -> dict[str, Any]:
    """The fields this record gives a value (None, "" and [] give none)."""
    values = dict(n.fields)
    values["naics_id"] = n.naics[0] if n.naics else None
    values["psc_id"] = n.psc[0] if n.psc else None
    return {name: values[name] for name in MERGED_FIELDS if values.get(name) not in (None, "", [])}


def _field_label(name: str) -> str:
    return name.removesuffix("_id") if name in ("naics_id", "psc_id", "funding_agency_id") else name


def _merge(waiver: Waiver | None, n: Normalised, key: list) -> tuple[dict, dict]:
    """The field values to write and the new source_field_times."""
    times = dict(waiver.source_field_times) if waiver is not None else {}
    changes: dict[str, Any] = {}
    for name, value in _carried(n).items():
        held = times.get(name)
        if held is not None and key < held:
            continue  # a later published record gave this field its value
        times[name] = key
        if waiver is None or getattr(waiver, name) != value:
            changes[name] = value
    is_test = n.test_reason is not None
    held = times.get(TEST_FLAG_KEY)
    if held is None or key >= held:
        times[TEST_FLAG_KEY] = key
        if waiver is None or waiver.is_test_record != is_test:
            changes["is_test_record"] = is_test
    if waiver is None or waiver.source_created_at is None or n.created < waiver.source_created_at:
        changes["source_created_at"] = n.created
    if (
        waiver is None
        or waiver.source_modified_at is None
        or n.modified > waiver.source_modified_at
    ):
        changes["source_modified_at"] = n.modified
    return changes, times


def _determination_texts(waiver: Waiver | None, n: Normalised, notes: _Notes) -> tuple[str, str]:
    """Conditions and explanation for a published determination: the
    record's, else those already on record for the same determination, else
    a note that none was published."""
    conditions, explanation = n.conditions, ""
    same = waiver is not None and waiver.determination == n.determination
    if n.determination == Determination.CONDITIONALLY_CONSISTENT and not conditions:
        if same and waiver.determination_conditions:
            conditions = waiver.determination_conditions
        else:
            conditions = MISSING_CONDITIONS
            notes.warn(
                "conditional determination published without its conditions; recorded, "
                "with a note that the conditions were not published"
            )
    if n.determination == Determination.INCONSISTENT:
        if same and waiver.determination_explanation:
            explanation = waiver.determination_explanation
        else:
            explanation = MISSING_EXPLANATION
            notes.warn(
                "inconsistent determination published without a written explanation; "
                "recorded, with a note that no explanation was published"
            )
    return conditions, explanation


def _review_plan(waiver: Waiver, n: Normalised, key: list, times: dict, notes: _Notes) -> str:
    """What the record does to the waiver's status: "" (nothing), "determine"
    (record the determination), "revise" (a later published determination, or
    the same one published later) or "withdraw". Reports what it will not do."""
    published = n.determination and Determination(n.determination).label
    if n.waiver_type == Waiver.Type.URGENT_REPORT:
        if n.request_status == Status.REVIEWED or n.determination:
            status = Status(n.request_status).label if n.request_status else "—"
            notes.warn(
                f"published with status {status} and determination {published or '—'}; "
                "not recorded: an urgent report is a post-award report, posted without a review"
            )
        return ""
    if waiver.status in Waiver.OPEN_STATUSES:
        if n.request_status != Status.REVIEWED:
            if n.determination:
                notes.warn(
                    f"determination {published} published while the request status is "
                    f"{n.request_status or 'missing'}; not recorded, left submitted"
                )
            return "withdraw" if n.withdrawal_date else ""
        if not n.determination:
            notes.warn("published as Reviewed without a determination; left submitted")
            return ""
        return "determine"
    if n.request_status in (Status.SUBMITTED, None) and waiver.status != Status.DRAFT:
        published_status = "Submitted" if n.request_status else "without a status"
        notes.warn(
            f"published as {published_status} but already recorded as "
            f"{waiver.get_status_display().lower()}; a status never moves backwards, "
            "left as recorded"
        )
        return ""
    if not n.determination or waiver.status != Status.REVIEWED:
        if n.withdrawal_date and waiver.status == Status.REVIEWED:
            return "withdraw"
        return ""
    held = times.get(DETERMINATION_KEY)
    if held is not None and key < held:
        if waiver.determination != n.determination:
            notes.warn(
                f"published determination {published} is older than the recorded "
                f"{waiver.get_determination_display()}, published later; left unchanged"
            )
        return ""
    if n.withdrawal_date:
        return "withdraw"
    if waiver.determination != n.determination or (
        waiver.determined_at is not None and n.modified > waiver.determined_at
    ):
        return "revise"
    return ""


def _apply_review(waiver: Waiver, n: Normalised, plan: str, notes: _Notes) -> list[str]:
    """Carry out _review_plan's answer through the services; the names of
    what changed."""
    if plan == "determine":
        conditions, explanation = _determination_texts(None, n, notes)
        services.record_determination(
            waiver,
            actor=None,
            determination=n.determination,
            conditions=conditions,
            explanation=explanation,
            note=DETERMINATION_NOTE,
            at=n.modified,
        )
        if n.withdrawal_date:
            _withdraw(waiver, n)
            return ["status", "determination", "withdrawn"]
        return ["status", "determination"]
    if plan == "revise":
        before = waiver.determination
        conditions, explanation = _determination_texts(waiver, n, notes)
        previous = Determination(before).label
        services.revise_published_determination(
            waiver,
            determination=n.determination,
            conditions=conditions,
            explanation=explanation,
            note=REVISED_NOTE.format(previous=previous),
            at=n.modified,
        )
        return ["determination"] if before != n.determination else ["determined_at"]
    if plan == "withdraw":
        _withdraw(waiver, n)
        return ["status"]
    return []


def _withdraw(waiver: Waiver, n: Normalised) -> None:
    services.withdraw(waiver, actor=None, note=WITHDRAWN_NOTE, at=_withdrawal_moment(waiver, n))


def _withdrawal_moment(waiver: Waiver, n: Normalised) -> dt.datetime:
    """Noon UTC of the published withdrawal date, not before the posting."""
    at = dt.datetime.combine(n.withdrawal_date, dt.time(12), tzinfo=dt.UTC)
    return max(at, waiver.submitted_at)


def _note_determination_key(n: Normalised, key: list, times: dict) -> None:
    """The determination on record comes from the latest record publishing one."""
    if (
        n.determination
        and n.request_status == Status.REVIEWED
        and n.waiver_type != Waiver.Type.URGENT_REPORT
    ):
        held = times.get(DETERMINATION_KEY)
        times[DETERMINATION_KEY] = key if held is None else max(held, key)


def _existing_changes(
    waiver: Waiver,
    n: Normalised,
    key: list,
    changes: dict,
    times: dict,
    details: list,
    notes: _Notes,
) -> str | None:
    """For a record of a waiver on record: complete `changes` and `times`
    (in place) and return the review plan, or None when the record changes
    nothing (compared in Python, no query)."""
    if waiver.waiver_type != n.waiver_type:
        notes.warn(
            f"published as {Waiver.Type(n.waiver_type).label} but recorded as "
            f"{waiver.get_waiver_type_display()}; the type is left as recorded"
        )
    if waiver.contracting_agency_id != n.contracting_agency.pk:
        held = times.get("contracting_agency_id")
        if held is None or key >= held:
            changes["contracting_agency_id"] = n.contracting_agency.pk
    times["contracting_agency_id"] = max(times.get("contracting_agency_id") or key, key)
    _note_determination_key(n, key, times)
    plan = _review_plan(waiver, n, key, times, notes)
    needs_write = (
        changes
        or details
        or plan
        or waiver.status == Status.DRAFT
        or times != waiver.source_field_times
    )
    return plan if needs_write else None


def _unchanged(n: Normalised, notes: _Notes, waiver: Waiver, rank: int, codes: "_Codes") -> bool:
    """Whether a record leaves the waiver on record as it is, found without
    a query or a savepoint (its codes are rows already loaded). Fills `notes`
    as _write would."""
    if any(
        code is not None and code[0] not in codes.rows[model]
        for model, code in ((NaicsCode, n.naics), (PscCode, n.psc))
    ):
        return False  # a code new to the database: a change, written by _write
    key = _source_key(n, rank)
    changes, times = _merge(waiver, n, key)
    for model, code in ((NaicsCode, n.naics), (PscCode, n.psc)):
        if code is not None:
            _ensure_code(model, *code, notes, codes.known)
    details = [UrgentReport(**n.urgent)] if n.urgent is not None else []
    return _existing_changes(waiver, n, key, changes, times, details, notes) is None


def _write(
    n: Normalised, notes: _Notes, existing: Waiver | None, rank: int, known_codes: dict
) -> tuple[str, int, list[str]]:
    """Create or update one waiver: ("created" | "updated" | "unchanged", pk,
    names of the changed fields)."""
    key = _source_key(n, rank)
    changes, times = _merge(existing, n, key)
    for name, model in (("naics_id", NaicsCode), ("psc_id", PscCode)):
        code = n.naics if name == "naics_id" else n.psc
        if code is not None:
            _ensure_code(model, *code, notes, known_codes)
    details = [UrgentReport(**n.urgent)] if n.urgent is not None else []
    if existing is None:
        _note_determination_key(n, key, times)
        times["contracting_agency_id"] = key
        waiver = services.create_draft(
            actor=None,
            waiver_type=n.waiver_type,
            contracting_agency=n.contracting_agency,
            note=IMPORT_NOTE.format(source_id=n.source_id),
            at=n.created,
            details=details,
            public_id=public_id_for_source(n.source_id),
            source_id=n.source_id,
            source_field_times=times,
            **changes,
        )
        services.submit(waiver, actor=None, note=POSTED_NOTE, at=n.created, require_complete=False)
        plan = _review_plan(waiver, n, key, times, notes)
        _apply_review(waiver, n, plan, notes)
        return "created", waiver.pk, []

    waiver = existing
    plan = _existing_changes(waiver, n, key, changes, times, details, notes)
    if plan is None:
        return "unchanged", waiver.pk, []
    changed_names = [
        _field_label(name)
        for name in changes
        if name not in ("source_created_at", "source_modified_at")
    ]
    changed = services.update_from_source(
        waiver,
        fields=changes,
        details=details,
        note=UPDATE_NOTE.format(source_id=n.source_id),
        field_times=times,
    )
    if waiver.status == Status.DRAFT:
        services.submit(waiver, actor=None, note=POSTED_NOTE, at=n.created, require_complete=False)
        changed = True
        changed_names.append("status")
    applied = _apply_review(waiver, n, plan, notes)
    changed_names += applied
    if details and changed and not changed_names:
        changed_names.append("urgent report")
    changed = changed or bool(applied)
    return ("updated" if changed else "unchanged"), waiver.pk, changed_names if changed else []


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(
                f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
            )
        return " ".join(exc.messages)
    return " ".join(str(exc).split())


def _agency_codes() -> tuple[dict[str, Agency], set[str]]:
    """Sub-tier agencies by code, and the department codes (for messages)."""
    agencies = {a.code: a for a in Agency.objects.subtiers()}
    departments = set(Agency.objects.departments().values_list("code", flat=True))
    return agencies, departments


def normalise_records(
    records: Iterable[SourceRecord],
) -> Iterator[tuple[SourceRecord, Normalised]]:
    """Each record as the importer would write it, without writing anything;
    records it would reject are left out. For tools that read the published
    record the way the importer does (the synthetic-data generator)."""
    agencies, departments = _agency_codes()
    for record in records:
        try:
            yield record, _Normaliser(record, agencies, departments).run()
        except RecordRejected:
            continue


# New records are written in batches of this many (services.save_published).
BATCH_SIZE = 500


class _Codes:
    """The NAICS and PSC rows an import's records name, loaded in one query
    per table. `known` is _ensure_code's cache (rows that exist before the
    import: they cannot be rolled back with a record's savepoint)."""

    def __init__(self, normalised: Iterable["Normalised"]):
        wanted: dict[type, set[str]] = {NaicsCode: set(), PscCode: set()}
        for n in normalised:
            if n.naics:
                wanted[NaicsCode].add(n.naics[0])
            if n.psc:
                wanted[PscCode].add(n.psc[0])
        self.rows = {
            model: {row.code: row for row in model.objects.filter(code__in=codes)}
            for model, codes in wanted.items()
        }
        self.known = {
            (model, code): row.in_reference
            for model, rows in self.rows.items()
            for code, row in rows.items()
        }
        # Rows a pending batch adds (code not in the database yet).
        self.new: dict[type, dict[str, Any]] = {NaicsCode: {}, PscCode: {}}

    def row(self, model, code: str, name: str, notes: _Notes):
        """The row for a code, in memory: a new row (not in the reference
        list) is written with the batch. Reported as _ensure_code reports it."""
        row = self.rows[model].get(code) or self.new[model].get(code)
        if row is None:
            name_field = "title" if model is NaicsCode else "name"
            row = model(code=code, in_reference=False, **{name_field: name[:255]})
            row.full_clean(validate_unique=False)
            self.new[model][code] = row
        if not row.in_reference:
            label = model._meta.verbose_name.removesuffix(" code")
            notes.warn(
                f"{label} code {code} is not in the {label} reference list; kept, marked as such"
            )
        return row

    def save_new(self) -> None:
        """Write the pending batch's new rows (inside its transaction)."""
        for model, rows in self.new.items():
            model.objects.bulk_create(rows.values(), ignore_conflicts=True)

    def saved(self) -> None:
        """The batch was written: its rows are now rows like the others."""
        for model, rows in self.new.items():
            self.rows[model].update(rows)
            self.known.update({(model, code): False for code in rows})
            rows.clear()

    def discarded(self) -> None:
        for rows in self.new.values():
            rows.clear()


def _build_new(
    n: Normalised, notes: _Notes, rank: int, codes: _Codes, agencies: dict[int, Agency]
) -> services.PublishedWaiver:
    """A waiver not yet on record, built in memory as _write builds it through
    create_draft, submit and the review (services.build_published)."""
    key = _source_key(n, rank)
    changes, times = _merge(None, n, key)
    # Loaded rows for the relations: no query for the audit trail's names.
    if n.naics is not None:
        changes["naics"] = codes.row(NaicsCode, *n.naics, notes)
    changes.pop("naics_id", None)
    if n.psc is not None:
        changes["psc"] = codes.row(PscCode, *n.psc, notes)
    changes.pop("psc_id", None)
    funding = changes.get("funding_agency_id")
    if funding in agencies:
        changes["funding_agency"] = agencies[changes.pop("funding_agency_id")]
    details = [UrgentReport(**n.urgent)] if n.urgent is not None else []
    _note_determination_key(n, key, times)
    times["contracting_agency_id"] = key
    published = services.build_published(
        waiver_type=n.waiver_type,
        contracting_agency=n.contracting_agency,
        note=IMPORT_NOTE.format(source_id=n.source_id),
        at=n.created,
        details=details,
        public_id=public_id_for_source(n.source_id),
        source_id=n.source_id,
        source_field_times=times,
        **changes,
    )
    services.published_transition(published, workflow.SUBMIT, note=POSTED_NOTE, at=n.created)
    plan = _review_plan(published.waiver, n, key, times, notes)
    if plan == "determine":
        conditions, explanation = _determination_texts(None, n, notes)
        services.published_transition(
            published,
            workflow.RECORD_DETERMINATION,
            note=DETERMINATION_NOTE,
            at=n.modified,
            determination=n.determination,
            conditions=conditions,
            explanation=explanation,
        )
    if plan == "withdraw" or (plan == "determine" and n.withdrawal_date):
        services.published_transition(
            published,
            workflow.WITHDRAW,
            note=WITHDRAWN_NOTE,
            at=_withdrawal_moment(published.waiver, n),
        )
    return published


@dataclass
class _Outcome:
    """What happened to one record, reported in file order at the end."""

    normaliser: "_Normaliser"
    normalised: Normalised | None
    outcome: str = ""  # "created", "updated", "unchanged" or "rejected"
    reason: str = ""  # why it was rejected
    changed: list[str] = field(default_factory=list)
    notes: _Notes | None = None  # the findings of the attempt that was kept


def import_records(
    records: Iterable[SourceRecord], report: ImportReport, *, rank: int = RANK_2022
) -> ImportReport:
    """Import parsed records into `report`, each wholly or not at all.
    Records of a file with a higher `rank` win ties of `modified` (see _merge).

    Every record is read and normalised first, and the waivers already on
    record for the file's source ids are loaded in one query. A record that
    changes nothing is compared in Python and writes nothing. New records are
    built in memory and written in batches (_build_new, services.save_published);
    a batch the database refuses is rolled back and its records written one by
    one, each in its own savepoint, so the bad one is rejected by name. A record
    that changes a waiver on record is written in its own savepoint through
    the services (_write)."""
    agencies, departments = _agency_codes()
    agencies_by_pk = {agency.pk: agency for agency in agencies.values()}
    outcomes: list[_Outcome] = []
    for record in records:
        report.read += 1
        normaliser = _Normaliser(record, agencies, departments)
        try:
            outcomes.append(_Outcome(normaliser, normaliser.run()))
        except RecordRejected as exc:
            outcomes.append(_Outcome(normaliser, None, outcome="rejected", reason=str(exc)))
    normalised = [o.normalised for o in outcomes if o.normalised is not None]
    source_ids = {n.source_id for n in normalised}
    existing = {w.source_id: w for w in Waiver.objects.filter(source_id__in=source_ids)}
    codes = _Codes(normalised)
    touched: list[int] = []
    batch: list[tuple[_Outcome, services.PublishedWaiver]] = []

    def write_one(item: _Outcome) -> None:
        """The one-by-one path, in its own savepoint."""
        n = item.normalised
        waiver = existing.get(n.source_id)
        if waiver is not None:
            notes = copy.deepcopy(item.normaliser.notes)
            if _unchanged(n, notes, waiver, rank, codes):
                item.outcome, item.notes = "unchanged", notes
                return
        notes = copy.deepcopy(item.normaliser.notes)
        try:
            with transaction.atomic():
                outcome, pk, changed = _write(
                    n, notes, existing.get(n.source_id), rank, codes.known
                )
        except (ValidationError, DatabaseError, services.WaiverError) as exc:
            item.outcome, item.reason = "rejected", f"could not be saved: {_error_text(exc)}"
            return
        item.outcome, item.changed, item.notes = outcome, changed, notes
        if outcome != "unchanged":
            existing[n.source_id] = Waiver.objects.get(pk=pk)
            touched.append(pk)

    def flush() -> None:
        if not batch:
            return
        try:
            with transaction.atomic():
                codes.save_new()
                services.save_published([published for _, published in batch])
        except DatabaseError:
            codes.discarded()
            for item, _ in batch:
                write_one(item)
        else:
            codes.saved()
            for item, published in batch:
                item.outcome = "created"
                existing[item.normalised.source_id] = published.waiver
        batch.clear()

    pending: set[str] = set()
    for item in outcomes:
        n = item.normalised
        if n is None:
            continue
        if n.source_id in pending:
            # A second copy in the file merges with the first, once written.
            flush()
            pending.clear()
        if n.source_id in existing:
            write_one(item)
            continue
        notes = copy.deepcopy(item.normaliser.notes)
        try:
            published = _build_new(n, notes, rank, codes, agencies_by_pk)
        except (ValidationError, services.WaiverError) as exc:
            item.outcome, item.reason = "rejected", f"could not be saved: {_error_text(exc)}"
            continue
        item.notes = notes
        batch.append((item, published))
        pending.add(n.source_id)
        if len(batch) >= BATCH_SIZE:
            flush()
            pending.clear()
    flush()
    refresh_search_vectors(touched)
    _report(outcomes, report)
    return report


def _report(outcomes: list[_Outcome], report: ImportReport) -> None:
    """Record by record, in file order."""
    seen: dict[str, str] = {}
    for item in outcomes:
        if item.outcome == "rejected":
            report.reject(item.normaliser.record_id, item.reason)
            continue
        n = item.normalised
        item.notes.into(report)
        if n.test_reason and n.source_id not in seen:
            report.flag(n.source_id, f"test data: {n.test_reason}")
        if n.source_id in seen:
            report.duplicate(
                n.source_id,
                f"{item.normaliser.record.position} repeats {seen[n.source_id]}; "
                "merged as any other published copy (the later modified wins)",
            )
        else:
            seen[n.source_id] = item.normaliser.record.position
            setattr(report, item.outcome, getattr(report, item.outcome) + 1)
            if item.outcome == "updated":
                report.update(n.source_id, item.changed)


def import_sources(sources: list[SourceFile], *, dry_run: bool = False) -> list[ImportReport]:
    """Import already-read files in order. A dry run does everything, reports
    it and rolls it all back."""
    with transaction.atomic():
        reports = []
        for source in sources:
            report = ImportReport(source.label, notes=list(source.notes))
            reports.append(import_records(source.records, report, rank=source.rank))
        if dry_run:
            transaction.set_rollback(True)
    return reports


def import_paths(paths: Iterable[Path], *, dry_run: bool = False) -> list[ImportReport]:
    """Read every file first (UnreadableFile before any write), then import them."""
    sources = [read_source(Path(path)) for path in paths]
    return import_sources(sources, dry_run=dry_run)
