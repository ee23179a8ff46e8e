"""Bulk actions of the waiver change list (waivers/admin/actions.py)."""

import csv
import io

import pytest

from tests.admin.conftest import make_draft
from tests.waivers.search_catalogue import FORMULAS, defused
from waivers.models import Waiver

pytestmark = pytest.mark.django_db


def test_export_selected_defuses_cells_a_spreadsheet_would_run_as_formulas(client, root):
    waiver = make_draft(procurement_title=FORMULAS["title"])
    Waiver.objects.filter(pk=waiver.pk).update(
        piids=FORMULAS["piids"], solicitation_id=FORMULAS["solicitation_id"]
    )
    client.force_login(root)
    response = client.post(
        "/admin/waivers/waiver/", {"action": "export_csv", "_selected_action": [waiver.pk]}
    )
    assert response.status_code == 200
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert row["procurement_title"] == defused(FORMULAS["title"])
    assert row["piids"] == defused(FORMULAS["piids"])
    assert row["solicitation_id"] == defused(FORMULAS["solicitation_id"])
    assert row["public_id"] == waiver.public_id  # other cells as they are
