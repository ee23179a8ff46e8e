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
- Each record is written in its own savepoint, wholly or not at all.
- Records are matched by their source id (`_id`); a re-import updates them and
  never duplicates. The public id is derived from the source id, so a fresh
  database gives every imported waiver the same URL.
- Spelling variants (case, camelCase, "N/A", empty strings, nested values in
  another shape) are normalised. A value that cannot be understood is dropped
  and reported ("rejected field"); it never silently becomes a default. A
  record without a known contracting agency or creation time is rejected.
- Status changes go through waivers.services only: submit at the source's
  creation time, then, for a reviewed record, record_determination at its
  modification time. A status never moves backwards.
- Obviously fake records are imported with `is_test_record=True` (never
  public) and flagged in the report (see placeholders.py).
"""

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pycountry
from django.core.exceptions import ValidationError
from django.db import DatabaseError, transaction

from agencies.models import Agency
from miao_site.importing import ImportReport, UnreadableFile
from waivers import services
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


@dataclass
class SourceFile:
    path: Path
    kind: str  # "JSON" or "CSV"
    records: list[SourceRecord]

    @property
    def label(self) -> str:
        return f"{self.path.name} (MIAO {self.kind})"


def _key(value: Any) -> str:
    """Compare spellings loosely: "Post-solicitation", "postSolicitation" and
    "POST_SOLICITATION" all become "postsolicitation"."""
    return re.sub(r"[^a-z0-9]", "", str(value).lower())


class _InvalidCell:
    """A CSV cell that should hold JSON but does not parse."""

    def __init__(self, text: str):
        self.text = text


# CSV header (compared through _key) -> key in a JSON record's `data`.
_CSV_DATA_COLUMNS = {
    _key(column): name
    for column, name in [
        ("Contracting_Office_Agency_Id", "contractingOfficeAgencyId"),
        ("Contracting_Office_Agency_Name", "contractingOfficeAgencyName"),
        ("Funding_Agency_Id", "fundingAgencyId"),
        ("Funding_Agency_Name", "fundingAgencyName"),
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
    ]
}
_CSV_TOP_COLUMNS = {"id": "_id", "state": "state", "created": "created", "modified": "modified"}
_CSV_JSON_CELLS = {"piids", "countriesOfOriginAndUSContent"}
# Columns without which a CSV is not MIAO's download (compared through _key).
_CSV_REQUIRED = {
    "_id": "id",
    "created": "created",
    "Contracting_Office_Agency_Id": "contractingofficeagencyid",
    "Procurement_Title": "procurementtitle",
    "Request_Status": "requeststatus",
    "OMB_Determination": "ombdetermination",
}


def read_source(path: Path) -> SourceFile:
    """Read and parse one published file, detecting JSON or CSV by content."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise UnreadableFile(f"{path} cannot be read: {exc.strerror or exc}.") from exc
    except UnicodeDecodeError as exc:
        raise UnreadableFile(f"{path.name} is not UTF-8 text (byte {exc.start}).") from exc
    start = text.lstrip()[:1]
    if not start:
        raise UnreadableFile(f"{path.name} is empty.")
    if start in "[{":
        return SourceFile(path, "JSON", _read_json(path, text))
    return SourceFile(path, "CSV", _read_csv(path, text))


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


def _read_csv(path: Path, text: str) -> list[SourceRecord]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as exc:
        raise UnreadableFile(
            f"{path.name} is not valid CSV (line {reader.line_num}: {exc}); "
            "the file may be truncated."
        ) from exc
    columns = [_key(name) for name in header]
    missing = [name for name, key in _CSV_REQUIRED.items() if key not in columns]
    if missing:
        raise UnreadableFile(
            f"{path.name} is neither MIAO's JSON nor its CSV download: "
            f"the header lacks the columns {', '.join(missing)}."
        )
    records = []
    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # blank line
        if len(row) != len(header):
            raise UnreadableFile(
                f"{path.name} line {line} has {len(row)} fields where the header has "
                f"{len(header)}; the file may be truncated or malformed."
            )
        cells = dict(zip(columns, row, strict=True))
        records.append(SourceRecord(f"line {line}", _csv_record(cells)))
    return records


def _csv_record(row: dict[str, str]) -> dict:
    """One CSV row in the shape of a JSON record."""
    record: dict[str, Any] = {}
    data: dict[str, Any] = {}
    for column, name in _CSV_TOP_COLUMNS.items():
        if row.get(column, "").strip():
            record[name] = row[column].strip()
    for column, name in _CSV_DATA_COLUMNS.items():
        if column not in row or not row[column].strip():
            continue
        value: Any = row[column]
        if name in _CSV_JSON_CELLS and value.strip()[:1] in "[{":
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                value = _InvalidCell(value)
        data[name] = value
    if row.get("naicscode", "").strip():
        data["naics"] = {"NAICS_Code": row["naicscode"], "NAICS_Title": row.get("naicstitle", "")}
    if row.get("psccode", "").strip():
        data["psc"] = {"pscCode": row["psccode"], "pscName": row.get("pscname", "")}
    record["data"] = data
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

_NAICS = re.compile(r"^(\d{6})(?:\.0+)?$")
_PSC = re.compile(r"^[A-Z0-9]{1,4}$")


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
        }
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
            entries: Iterable[Any] = re.split(r"[,;\n]", raw)
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
            if _is_null(value):
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


def _ensure_code(model, code: str, name: str, notes: _Notes) -> str:
    """A NAICS or PSC code from waiver data: kept (marked not in the reference
    list) when the list lacks it, and reported."""
    label = model._meta.verbose_name.removesuffix(" code")
    name_field = "title" if model is NaicsCode else "name"
    row = model.objects.filter(code=code).first()
    if row is None:
        row = model(code=code, in_reference=False, **{name_field: name[:255]})
        row.full_clean()
        row.save()
    if not row.in_reference:
        notes.warn(
            f"{label} code {code} is not in the {label} reference list; kept, marked as such"
        )
    return code


def _apply_review(waiver: Waiver, n: Normalised, notes: _Notes) -> bool:
    """Bring the waiver's status up to the published one; never backwards."""
    published = n.determination and Determination(n.determination).label
    if n.waiver_type == Waiver.Type.URGENT_REPORT:
        if n.request_status == Status.REVIEWED or n.determination:
            status = Status(n.request_status).label if n.request_status else "—"
            notes.warn(
                f"published with status {status} and determination {published or '—'}; "
                "not recorded: an urgent report is a post-award report, posted without a review"
            )
        return False
    if waiver.status not in Waiver.OPEN_STATUSES:
        if n.request_status in (Status.SUBMITTED, None) and waiver.status != Status.DRAFT:
            published_status = "Submitted" if n.request_status else "without a status"
            notes.warn(
                f"published as {published_status} but already recorded as "
                f"{waiver.get_status_display().lower()}; a status never moves backwards, "
                "left as recorded"
            )
        elif n.determination and waiver.determination not in ("", n.determination):
            notes.warn(
                f"published determination {published} differs from the recorded "
                f"{waiver.get_determination_display()}; left unchanged"
            )
        return False
    if n.request_status != Status.REVIEWED:
        if n.determination:
            notes.warn(
                f"determination {published} published while the request status is "
                f"{n.request_status or 'missing'}; not recorded, left submitted"
            )
        return False
    if not n.determination:
        notes.warn("published as Reviewed without a determination; left submitted")
        return False
    conditions, explanation = n.conditions, ""
    if n.determination == Determination.CONDITIONALLY_CONSISTENT and not conditions:
        conditions = MISSING_CONDITIONS
        notes.warn(
            "conditional determination published without its conditions; recorded, "
            "with a note that the conditions were not published"
        )
    if n.determination == Determination.INCONSISTENT:
        explanation = MISSING_EXPLANATION
        notes.warn(
            "inconsistent determination published without a written explanation; "
            "recorded, with a note that no explanation was published"
        )
    services.record_determination(
        waiver,
        actor=None,
        determination=n.determination,
        conditions=conditions,
        explanation=explanation,
        note=DETERMINATION_NOTE,
        at=n.modified,
    )
    return True


def _write(n: Normalised, notes: _Notes) -> tuple[str, int]:
    """Create or update one waiver; returns ("created" | "updated" | "unchanged", pk)."""
    fields = dict(n.fields)
    fields.update(
        naics_id=_ensure_code(NaicsCode, *n.naics, notes) if n.naics else None,
        psc_id=_ensure_code(PscCode, *n.psc, notes) if n.psc else None,
        is_test_record=n.test_reason is not None,
        source_created_at=n.created,
        source_modified_at=n.modified,
    )
    details = [UrgentReport(**n.urgent)] if n.urgent is not None else []
    waiver = Waiver.objects.filter(source_id=n.source_id).first()
    if waiver is None:
        waiver = services.create_draft(
            actor=None,
            waiver_type=n.waiver_type,
            contracting_agency=n.contracting_agency,
            note=IMPORT_NOTE.format(source_id=n.source_id),
            at=n.created,
            details=details,
            public_id=public_id_for_source(n.source_id),
            source_id=n.source_id,
            **fields,
        )
        services.submit(waiver, actor=None, note=POSTED_NOTE, at=n.created, require_complete=False)
        _apply_review(waiver, n, notes)
        return "created", waiver.pk

    if waiver.waiver_type != n.waiver_type:
        notes.warn(
            f"published as {Waiver.Type(n.waiver_type).label} but recorded as "
            f"{waiver.get_waiver_type_display()}; the type is left as recorded"
        )
    fields["contracting_agency_id"] = n.contracting_agency.pk
    changed = services.update_from_source(
        waiver, fields=fields, details=details, note=UPDATE_NOTE.format(source_id=n.source_id)
    )
    if waiver.status == Status.DRAFT:
        services.submit(waiver, actor=None, note=POSTED_NOTE, at=n.created, require_complete=False)
        changed = True
    changed = _apply_review(waiver, n, notes) or changed
    return ("updated" if changed else "unchanged"), waiver.pk


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


def import_records(records: Iterable[SourceRecord], report: ImportReport) -> ImportReport:
    """Import parsed records, one savepoint each, into `report`."""
    agencies, departments = _agency_codes()
    seen: set[str] = set()
    touched: list[int] = []
    for record in records:
        report.read += 1
        normaliser = _Normaliser(record, agencies, departments)
        try:
            normalised = normaliser.run()
            with transaction.atomic():
                outcome, pk = _write(normalised, normaliser.notes)
        except RecordRejected as exc:
            report.reject(normaliser.record_id, str(exc))
            continue
        except (ValidationError, DatabaseError, services.WaiverError) as exc:
            report.reject(normaliser.record_id, f"could not be saved: {_error_text(exc)}")
            continue
        if normalised.source_id in seen:
            normaliser.notes.warn("appears more than once in the file; the later copy was applied")
        seen.add(normalised.source_id)
        normaliser.notes.into(report)
        if normalised.test_reason:
            report.flag(normalised.source_id, f"test data: {normalised.test_reason}")
        setattr(report, outcome, getattr(report, outcome) + 1)
        if outcome != "unchanged":
            touched.append(pk)
    refresh_search_vectors(touched)
    return report


def import_sources(sources: list[SourceFile], *, dry_run: bool = False) -> list[ImportReport]:
    """Import already-read files in order. A dry run does everything, reports
    it and rolls it all back."""
    with transaction.atomic():
        reports = [import_records(source.records, ImportReport(source.label)) for source in sources]
        if dry_run:
            transaction.set_rollback(True)
    return reports


def import_paths(paths: Iterable[Path], *, dry_run: bool = False) -> list[ImportReport]:
    """Read every file first (UnreadableFile before any write), then import them."""
    sources = [read_source(Path(path)) for path in paths]
    return import_sources(sources, dry_run=dry_run)
