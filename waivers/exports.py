"""One definition of a waiver as exported: the CSV and JSON downloads of a
search, and (later) the API, share the column names and values below.

Only public fields of `Waiver` and its public relations (agencies, NAICS,
PSC) appear; nothing from `WaiverInternal` is read. Column names are a public
interface (people build spreadsheets on them): add columns, never rename.

Enumerated values are exported as their stable codes, the same values the
search parameters take (e.g. `type=nonavailability`, `status=in_review`).
Dates are ISO 8601 (`YYYY-MM-DD`), timestamps ISO 8601 with offset. In the
CSV, lists (PIIDs, countries) are joined with ";", a missing value is empty;
in the JSON they are arrays and a missing value is null.
"""

import csv
import json
from collections.abc import Callable, Iterator

from django.core.serializers.json import DjangoJSONEncoder

from waivers.models import Waiver

# Rows fetched per database round trip while streaming.
CHUNK_SIZE = 500
LIST_SEPARATOR = ";"

# (column name, description) — the documented export format, in column order.
COLUMNS: list[tuple[str, str]] = [
    ("public_id", "Stable public identifier, e.g. MIA-7KQ3M9XD"),
    ("url", "Address of the waiver's page"),
    ("type", "Waiver type code: " + ", ".join(Waiver.Type.values)),
    ("status", "Status code: " + ", ".join(s for s in Waiver.Status.values if s != "draft")),
    ("title", "Procurement title"),
    ("summary", "Summary of procurement"),
    ("rationale", "Waiver rationale summary"),
    ("contracting_agency_code", "Contracting office agency, FPDS sub-tier code"),
    ("contracting_agency_name", "Contracting office agency name"),
    ("contracting_department_code", "Department (CGAC code) of the contracting agency"),
    ("contracting_department_name", "Department name of the contracting agency"),
    ("funding_agency_code", "Funding agency code"),
    ("funding_agency_name", "Funding agency name"),
    ("naics_code", "NAICS code"),
    ("naics_title", "NAICS title"),
    ("psc_code", "Product and Service Code"),
    ("psc_name", "PSC name"),
    ("stage", "Procurement stage code: " + ", ".join(Waiver.ProcurementStage.values)),
    ("coverage", "Waiver coverage code: " + ", ".join(Waiver.Coverage.values)),
    ("duration", "Expected maximum duration code: " + ", ".join(Waiver.Duration.values)),
    ("sources_sought", "Sources sought or RFI issued (true/false; empty when not stated)"),
    ("price_preference_included", "Solicitation announces a price preference (true/false)"),
    ("piids", "Procurement instrument identifiers (';'-joined in CSV)"),
    ("solicitation_id", "Solicitation ID"),
    ("countries", "Countries of origin, ISO 3166-1 alpha-2 (';'-joined in CSV)"),
    ("submitted_at", "When the waiver was posted (review clock start)"),
    ("review_due_date", "Date MIAO's review is due (15 business days after posting)"),
    ("determination", "OMB determination code: " + ", ".join(Waiver.Determination.values)),
    ("conditions", "Conditions of a conditionally consistent determination"),
    ("explanation", "Explanation of an inconsistent determination"),
    ("determined_at", "When the determination was recorded"),
    ("final_decision", "Agency's final decision code: " + ", ".join(Waiver.FinalDecision.values)),
    ("final_decision_date", "Date of the final decision"),
    ("withdrawn_at", "When the agency withdrew the waiver"),
]
FIELD_NAMES = [name for name, _ in COLUMNS]


def export_queryset(queryset):
    """The relations an exported row reads, joined in the same query."""
    return queryset.select_related(
        "contracting_agency__parent", "funding_agency", "naics", "psc"
    ).defer("search_vector")


def _code(agency) -> str | None:
    return agency.code if agency else None


def _name(agency) -> str | None:
    return agency.name if agency else None


def waiver_row(waiver: Waiver, absolute_url: Callable[[str], str]) -> dict:
    """One waiver as an export row: native values (lists, dates, None)."""
    contracting = waiver.contracting_agency
    department = contracting.parent if contracting.parent_id else None
    psc = waiver.psc
    row = {
        "public_id": waiver.public_id,
        "url": absolute_url(waiver.get_absolute_url()),
        "type": waiver.waiver_type,
        "status": waiver.status,
        "title": waiver.procurement_title,
        "summary": waiver.summary,
        "rationale": waiver.rationale,
        "contracting_agency_code": contracting.code,
        "contracting_agency_name": contracting.name,
        "contracting_department_code": _code(department),
        "contracting_department_name": _name(department),
        "funding_agency_code": _code(waiver.funding_agency),
        "funding_agency_name": _name(waiver.funding_agency),
        "naics_code": waiver.naics_id,
        "naics_title": waiver.naics.title if waiver.naics else None,
        "psc_code": waiver.psc_id,
        "psc_name": psc.display_name if psc else None,
        "stage": waiver.procurement_stage or None,
        "coverage": waiver.coverage or None,
        "duration": waiver.expected_duration or None,
        "sources_sought": waiver.sources_sought,
        "price_preference_included": waiver.price_preference_included,
        "piids": list(waiver.piids),
        "solicitation_id": waiver.solicitation_id or None,
        "countries": list(waiver.countries),
        "submitted_at": waiver.submitted_at,
        "review_due_date": waiver.review_due_date,
        "determination": waiver.determination or None,
        "conditions": waiver.determination_conditions or None,
        "explanation": waiver.determination_explanation or None,
        "determined_at": waiver.determined_at,
        "final_decision": waiver.final_decision or None,
        "final_decision_date": waiver.final_decision_date,
        "withdrawn_at": waiver.withdrawn_at,
    }
    return row


def _csv_value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


class _Echo:
    """A file-like object whose write() hands back the line csv.writer built."""

    def write(self, value: str) -> str:
        return value


def stream_csv(queryset, absolute_url: Callable[[str], str]) -> Iterator[str]:
    """CSV lines (header first) for every waiver in the queryset, fetched in chunks."""
    writer = csv.writer(_Echo())
    yield writer.writerow(FIELD_NAMES)
    for waiver in export_queryset(queryset).iterator(chunk_size=CHUNK_SIZE):
        row = waiver_row(waiver, absolute_url)
        yield writer.writerow([_csv_value(row[name]) for name in FIELD_NAMES])


def stream_json(queryset, absolute_url: Callable[[str], str]) -> Iterator[str]:
    """A JSON array of row objects, produced piece by piece."""
    yield "["
    separator = "\n"
    for waiver in export_queryset(queryset).iterator(chunk_size=CHUNK_SIZE):
        yield separator + json.dumps(waiver_row(waiver, absolute_url), cls=DjangoJSONEncoder)
        separator = ",\n"
    yield "\n]\n"
