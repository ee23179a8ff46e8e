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


def load_naics(path: Path) -> ImportReport:
    report = ImportReport("NAICS codes")
    known = set(NaicsCode.objects.values_list("code", flat=True))
    objs = {}
    for line, row in enumerate(read_csv_rows(path, {"code", "title"}), start=2):
        report.read += 1
        code = row["code"].strip()
        if not _NAICS.match(code):
            report.reject(f"line {line}", f"NAICS code {code!r} is not 6 digits")
            continue
        objs[code] = NaicsCode(code=code, title=row["title"].strip(), in_reference=True)
        if code in known:
            report.updated += 1
        else:
            report.created += 1
    with transaction.atomic():
        NaicsCode.objects.bulk_create(
            objs.values(),
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["title", "in_reference"],
        )
    return report


def load_psc(path: Path) -> ImportReport:
    report = ImportReport("PSC codes")
    known = set(PscCode.objects.values_list("code", flat=True))
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
        objs[code] = PscCode(
            code=code,
            name=row["name"].strip(),
            full_name=row["full_name"].strip(),
            start_date=start,
            end_date=end,
            in_reference=True,
        )
        if code in known:
            report.updated += 1
        else:
            report.created += 1
    with transaction.atomic():
        PscCode.objects.bulk_create(
            objs.values(),
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "full_name", "start_date", "end_date", "in_reference"],
        )
    return report
