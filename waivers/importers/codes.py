"""Load the NAICS and PSC reference lists."""

import datetime as dt
import re
from pathlib import Path

from django.db import transaction

from miao_site.importing import ImportReport, read_csv_rows
from waivers.models import NaicsCode, PscCode

_NAICS = re.compile(r"^\d{6}$")
_PSC = re.compile(r"^[A-Z0-9]{1,4}$")


def _parse_us_date(value: str) -> dt.date | None:
    value = value.strip()
    if not value:
        return None
    for fmt in ("%m/%d/%y", "%m/%d/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"date {value!r} is not M/D/YY or YYYY-MM-DD")


def _current(model, fields: list[str]) -> dict[str, tuple]:
    """Each stored code's values of `fields`."""
    return {code: tuple(values) for code, *values in model.objects.values_list("code", *fields)}


def _count(report: ImportReport, known: dict[str, tuple], obj, fields: list[str]) -> bool:
    """Count `obj` as created, updated or unchanged; whether to write it."""
    values = tuple(getattr(obj, name) for name in fields)
    if obj.code not in known:
        report.created += 1
    elif known[obj.code] != values:
        report.updated += 1
    else:
        report.unchanged += 1
        return False
    return True


def load_naics(path: Path) -> ImportReport:
    report = ImportReport("NAICS codes")
    fields = ["title", "in_reference"]
    known = _current(NaicsCode, fields)
    objs = {}
    for line, row in enumerate(read_csv_rows(path, {"code", "title"}), start=2):
        report.read += 1
        code = row["code"].strip()
        if not _NAICS.match(code):
            report.reject(f"line {line}", f"NAICS code {code!r} is not 6 digits")
            continue
        naics = NaicsCode(code=code, title=row["title"].strip(), in_reference=True)
        if _count(report, known, naics, fields):
            objs[code] = naics
    with transaction.atomic():
        NaicsCode.objects.bulk_create(
            objs.values(),
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=fields,
        )
    return report


def load_psc(path: Path) -> ImportReport:
    report = ImportReport("PSC codes")
    fields = ["name", "full_name", "start_date", "end_date", "in_reference"]
    known = _current(PscCode, fields)
    objs = {}
    columns = {"code", "name", "full_name", "start_date", "end_date"}
    for line, row in enumerate(read_csv_rows(path, columns), start=2):
        report.read += 1
        code = row["code"].strip().upper()
        if not _PSC.match(code):
            report.reject(f"line {line}", f"PSC code {code!r} is not 1-4 letters or digits")
            continue
        try:
            start, end = _parse_us_date(row["start_date"]), _parse_us_date(row["end_date"])
        except ValueError as exc:
            report.reject(f"line {line} ({code})", str(exc))
            continue
        psc = PscCode(
            code=code,
            name=row["name"].strip(),
            full_name=row["full_name"].strip(),
            start_date=start,
            end_date=end,
            in_reference=True,
        )
        if _count(report, known, psc, fields):
            objs[code] = psc
    with transaction.atomic():
        PscCode.objects.bulk_create(
            objs.values(),
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=fields,
        )
    return report
