"""seed_demo: reference lists, MIAO's files and the demo waivers of
devtools/demo_waivers.json, of every type and status."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from devtools.demo import load_demo_waivers, seed_demo_waivers
from waivers.importers.miao import public_id_for_source
from waivers.models import (
    JonesActDetail,
    Waiver,
    WaiverAuditEntry,
    WaiverInternal,
    WaiverStatusChange,
)

pytestmark = pytest.mark.django_db
Status = Waiver.Status
DEMO_COUNT = len(load_demo_waivers())


def demo_waivers():
    return Waiver.objects.filter(source_id__startswith="demo-")


def test_demo_shows_every_type_and_every_status():
    created, present = seed_demo_waivers()
    assert (created, present) == (DEMO_COUNT, 0)
    demo = demo_waivers()
    assert set(demo.values_list("waiver_type", flat=True)) == set(Waiver.Type.values)
    assert set(demo.values_list("status", flat=True)) == set(Status.values)
    assert set(demo.exclude(determination="").values_list("determination", flat=True)) == set(
        Waiver.Determination.values
    )
    assert set(demo.exclude(final_decision="").values_list("final_decision", flat=True)) == set(
        Waiver.FinalDecision.values
    )
    for waiver in demo:
        assert waiver.public_id == public_id_for_source(waiver.source_id)
        assert not waiver.is_test_record
        text = " ".join([waiver.procurement_title, waiver.summary, waiver.rationale]).lower()
        assert "lorem" not in text and "test" not in text.split()


def test_every_status_was_reached_through_the_services():
    seed_demo_waivers()
    for waiver in demo_waivers():
        history = list(waiver.status_changes.values_list("from_status", "to_status"))
        assert history[0] == ("", Status.DRAFT)
        for (_, previous), (start, _) in zip(history, history[1:], strict=False):
            assert start == previous  # an unbroken chain of transitions
        assert history[-1][1] == waiver.status
    conditional = demo_waivers().get(determination=Waiver.Determination.CONDITIONALLY_CONSISTENT)
    assert conditional.determination_conditions.startswith("Before each follow-on order")
    for inconsistent in demo_waivers().filter(determination=Waiver.Determination.INCONSISTENT):
        assert len(inconsistent.determination_explanation) > 50


def test_price_preference_examples_from_domain_md():
    seed_demo_waivers()
    large = Waiver.objects.get(source_id="demo-in-review-low-voltage-switchgear")
    small = Waiver.objects.get(source_id="demo-decided-not-granted-surgical-staplers")
    for waiver in (large, small):
        figures = waiver.price_preference
        assert (figures.lowest_foreign_offer, figures.lowest_domestic_offer) == (
            Decimal("100000.00"),
            Decimal("125000.00"),
        )
    assert large.price_preference.evaluation.evaluated_foreign_price == Decimal("120000.00")
    assert large.price_preference.evaluation.domestic_is_reasonable is False
    assert small.price_preference.evaluation.evaluated_foreign_price == Decimal("130000.00")
    assert small.price_preference.evaluation.domestic_is_reasonable is True
    assert small.final_decision == Waiver.FinalDecision.NOT_GRANTED


def test_jones_act_timing_rules():
    seed_demo_waivers()
    details = JonesActDetail.objects.filter(waiver__source_id__startswith="demo-")
    assert details.count() == 2
    granted = details.get(decision=JonesActDetail.Decision.GRANTED)
    assert granted.decided_at >= granted.published_at + dt.timedelta(hours=48)
    assert granted.extension_days <= 10 and granted.total_days <= 45
    assert granted.published_at >= granted.received_at
    assert granted.waiver.final_decision == Waiver.FinalDecision.GRANTED
    assert granted.waiver.final_decision_date == granted.decided_at.date()
    assert details.get(decision="").waiver.status == Status.SUBMITTED


def test_some_demo_waivers_carry_government_only_information():
    seed_demo_waivers()
    internal = WaiverInternal.objects.filter(waiver__source_id__startswith="demo-")
    assert internal.count() >= 2
    assert internal.filter(waiver__status__in=[Status.IN_REVIEW, Status.DECIDED]).exists()
    assert not Waiver.objects.public().filter(source_id="demo-draft-cryogenic-probe-station")


def test_seed_demo_command_is_idempotent():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = out.getvalue()
    assert re.search(r"waivers-data\.json \(MIAO JSON\): read 87, created 86", first)
    assert re.search(r"urgent-waivers-data\.json \(MIAO JSON\): read 27, created 27", first)
    assert re.search(
        r"waivers\.csv \(MIAO CSV\): read 87, created 0, updated 0, unchanged 86, duplicate 1",
        first,
    )
    assert f"demo waivers: created {DEMO_COUNT}, already present 0" in first
    before = (
        Waiver.objects.count(),
        WaiverStatusChange.objects.count(),
        WaiverAuditEntry.objects.count(),
    )
    assert before[0] == 86 + 27 + DEMO_COUNT

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    second = out.getvalue()
    assert "created 86" not in second
    assert f"demo waivers: created 0, already present {DEMO_COUNT}" in second
    assert (
        Waiver.objects.count(),
        WaiverStatusChange.objects.count(),
        WaiverAuditEntry.objects.count(),
    ) == before


def test_relative_times_in_the_file_become_moments_and_dates_after_posting():
    seed_demo_waivers()
    granted = JonesActDetail.objects.get(
        waiver__source_id="demo-decided-granted-jones-act-crude-oil"
    )
    posted = granted.waiver.submitted_at
    assert granted.received_at == posted - dt.timedelta(hours=3)
    assert granted.window_start == (posted + dt.timedelta(days=3)).date()
    assert granted.voyage_report_published_at == posted + dt.timedelta(days=17)
    history = granted.waiver.status_changes.order_by("at")
    assert [(c.to_status, c.at - posted) for c in history[2:]] == [
        (Status.REVIEW_WAIVED, dt.timedelta(hours=2)),
        (Status.DECIDED, dt.timedelta(hours=54)),
    ]


def test_every_record_has_its_own_demo_source_id():
    source_ids = [record["source_id"] for record in load_demo_waivers()]
    assert len(set(source_ids)) == len(source_ids)
    assert all(source_id.startswith("demo-") for source_id in source_ids)


def record(**changes):
    base = next(
        r for r in load_demo_waivers() if r["source_id"] == "demo-in-review-low-voltage-switchgear"
    )
    return {**base, "source_id": "demo-altered", **changes}


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"steps": [{"action": "delete_waiver", "hours_after_posting": 1}]}, "not a transition"),
        ({"steps": [{"action": "submit", "hours_after_posting": 1}]}, "not a transition"),
        ({"details": {"vessel": {}}}, "unknown details vessel"),
    ],
)
def test_a_record_naming_an_unknown_step_or_detail_is_refused_whole(changes, message):
    with pytest.raises(ValueError, match=message):
        seed_demo_waivers(records=[record(**changes)])
    assert not Waiver.objects.filter(source_id="demo-altered").exists()
