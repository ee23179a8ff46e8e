"""load_reference: agencies, NAICS and PSC from the shared reference lists."""

import csv
import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from agencies.models import Agency
from waivers.caching import data_version
from waivers.models import NaicsCode, PscCode

pytestmark = pytest.mark.django_db
REFERENCE = Path(settings.SHARED_DATA_DIR) / "reference"


def run(**options) -> str:
    out = io.StringIO()
    call_command("load_reference", stdout=out, **options)
    return out.getvalue()


def counts():
    return Agency.objects.count(), NaicsCode.objects.count(), PscCode.objects.count()


def test_reference_lists_are_loaded_in_full():
    # tests/conftest.py ran load_reference once for the session.
    assert NaicsCode.objects.filter(in_reference=True).count() == 1057
    assert PscCode.objects.filter(in_reference=True).count() == 3769
    rows = list(csv.DictReader((REFERENCE / "agencies.csv").open(encoding="utf-8")))
    valid = [r for r in rows if len(r["subtier_code"].strip()) == 4]  # 2 rows say "UNKNOWN…"
    subtiers = {r["subtier_code"] for r in valid}
    departments = {r["department_code"] for r in valid}
    assert Agency.objects.subtiers().count() == len(subtiers)
    assert Agency.objects.departments().count() == len(departments)


def test_codes_keep_their_details():
    nist = Agency.objects.get(code="1341")
    assert (nist.kind, nist.parent.code) == (Agency.Kind.SUBTIER, "013")
    assert NaicsCode.objects.get(code="334516").title == (
        "Analytical Laboratory Instrument Manufacturing"
    )
    retired = PscCode.objects.get(code="6625")
    assert retired.end_date == dt.date(2011, 9, 30)
    assert retired.is_retired


def test_second_run_adds_nothing_and_reports_rows_as_unchanged():
    before = counts()
    slugs = dict(Agency.objects.values_list("code", "slug"))
    version = data_version()
    output = run()
    assert counts() == before
    assert dict(Agency.objects.values_list("code", "slug")) == slugs
    assert "NAICS codes: read 1057, created 0, updated 0, unchanged 1057" in output
    assert "PSC codes: read 3769, created 0, updated 0, unchanged 3769" in output
    agencies = Agency.objects.count()
    assert f"created 0, updated 0, unchanged {agencies}, rejected" in output
    # Nothing was written, so cached figures and API validators stay valid.
    assert data_version().number == version.number


def test_a_changed_row_is_updated_and_the_rest_unchanged(tmp_path):
    folder = copy_reference(tmp_path)
    naics = (folder / "naics-2017.csv").read_text(encoding="utf-8")
    title = "Analytical Laboratory Instrument Manufacturing"
    (folder / "naics-2017.csv").write_text(
        naics.replace(title, "Analytical laboratory instruments"), encoding="utf-8"
    )
    agencies = (folder / "agencies.csv").read_text(encoding="utf-8")
    nist = "National Institute of Standards and Technology"
    (folder / "agencies.csv").write_text(agencies.replace(nist, "NIST (renamed)"), encoding="utf-8")
    output = run(path=folder)
    assert "NAICS codes: read 1057, created 0, updated 1, unchanged 1056" in output
    assert NaicsCode.objects.get(code="334516").title == "Analytical laboratory instruments"
    assert f"created 0, updated 1, unchanged {Agency.objects.count() - 1}" in output
    assert Agency.objects.get(code="1341").name == "NIST (renamed)"


def copy_reference(tmp_path) -> Path:
    for name in ("agencies.csv", "naics-2017.csv", "psc.csv"):
        shutil.copy(REFERENCE / name, tmp_path / name)
    return tmp_path


def test_csv_without_expected_columns_is_refused(tmp_path):
    folder = copy_reference(tmp_path)
    (folder / "agencies.csv").write_text("code,name\n1341,NIST\n", encoding="utf-8")
    before = counts()
    with pytest.raises(CommandError, match="lacks the columns"):
        run(path=folder)
    assert counts() == before


def test_missing_file_is_refused(tmp_path):
    folder = copy_reference(tmp_path)
    (folder / "psc.csv").unlink()
    with pytest.raises(CommandError, match="cannot be read"):
        run(path=folder)


def test_bad_rows_are_rejected_with_their_line(tmp_path):
    folder = copy_reference(tmp_path)
    with (folder / "naics-2017.csv").open("a", encoding="utf-8") as handle:
        handle.write("12345,Five digits\n")
    output = run(path=folder)
    assert "NAICS codes: read 1058, created 0, updated 0, unchanged 1057, rejected 1" in output
    assert "rejected line 1059: NAICS code '12345' is not 6 digits" in output
    assert not NaicsCode.objects.filter(code="12345").exists()
