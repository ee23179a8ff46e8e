"""Load departments and sub-tier agencies from the USAspending reference CSV."""

import re
from pathlib import Path

from django.db import transaction
from django.utils.text import slugify

from agencies.models import Agency
from miao_site.importing import ImportReport, read_csv_rows

_DEPARTMENT_CODE = re.compile(r"^\d{3}$")
_SUBTIER_CODE = re.compile(r"^[0-9A-Z]{4}$")
# The fields a re-run may change (the slug, once given, stays).
UPDATED_FIELDS = ("kind", "name", "abbreviation", "parent_id")
COLUMNS = {
    "department_code",
    "department_name",
    "department_abbreviation",
    "subtier_code",
    "subtier_name",
    "subtier_abbreviation",
}


def _unique_slug(base: str, code: str, taken: set[str]) -> str:
    slug = slugify(base)[:100] or code.lower()
    if slug in taken:
        slug = f"{slug}-{code.lower()}"
    taken.add(slug)
    return slug


def load_agencies(path: Path) -> ImportReport:
    report = ImportReport("agencies")
    rows = read_csv_rows(path, COLUMNS)
    departments: dict[str, dict] = {}
    subtiers: list[dict] = []
    for line, row in enumerate(rows, start=2):
        report.read += 1
        dept_code = row["department_code"].strip()
        sub_code = row["subtier_code"].strip().upper()
        if not _DEPARTMENT_CODE.match(dept_code):
            report.reject(f"line {line}", f"department code {dept_code!r} is not 3 digits")
            continue
        if not _SUBTIER_CODE.match(sub_code):
            report.reject(f"line {line}", f"sub-tier code {sub_code[:20]!r} is not 4 characters")
            continue
        if not row["subtier_name"].strip():
            report.reject(f"line {line}", "sub-tier name is empty")
            continue
        departments.setdefault(dept_code, row)
        subtiers.append(row)

    rows = Agency.objects.values_list("code", "slug", *UPDATED_FIELDS)
    existing = {code: slug for code, slug, *_ in rows}
    current = {code: tuple(values) for code, _, *values in rows}
    taken = set(existing.values())
    with transaction.atomic():
        dept_objs = []
        for code, row in sorted(departments.items()):
            name = row["department_name"].strip()
            slug = existing.get(code) or _unique_slug(
                row["department_abbreviation"].strip() or name, code, taken
            )
            dept_objs.append(
                Agency(
                    code=code,
                    kind=Agency.Kind.DEPARTMENT,
                    name=name,
                    slug=slug,
                    abbreviation=row["department_abbreviation"].strip(),
                )
            )
        _upsert(dept_objs, current, report)
        parents = dict(Agency.objects.departments().values_list("code", "id"))
        sub_objs = []
        for row in sorted(subtiers, key=lambda r: r["subtier_code"]):
            code = row["subtier_code"].strip().upper()
            name = row["subtier_name"].strip()
            slug = existing.get(code) or _unique_slug(name, code, taken)
            sub_objs.append(
                Agency(
                    code=code,
                    kind=Agency.Kind.SUBTIER,
                    name=name,
                    slug=slug,
                    abbreviation=row["subtier_abbreviation"].strip(),
                    parent_id=parents[row["department_code"].strip()],
                )
            )
        _upsert(sub_objs, current, report)
    return report


def _upsert(objs: list[Agency], current: dict[str, tuple], report: ImportReport) -> None:
    """Create the new agencies and update the changed ones; an agency whose
    fields are already as listed is counted unchanged and not written."""
    written = []
    for obj in objs:
        values = tuple(getattr(obj, name) for name in UPDATED_FIELDS)
        if obj.code not in current:
            report.created += 1
        elif current[obj.code] != values:
            report.updated += 1
        else:
            report.unchanged += 1
            continue
        written.append(obj)
    Agency.objects.bulk_create(
        written,
        update_conflicts=True,
        unique_fields=["code"],
        update_fields=["kind", "name", "abbreviation", "parent"],
    )
