"""seed_demo: reference lists, MIAO's files and demo waivers of every type and status."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command

from devtools.demo import DEMO_WAIVERS, seed_demo_waivers
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


def demo_waivers():
    return Waiver.objects.filter(source_id__startswith="demo-")


def test_demo_shows_every_type_and_every_status():
    created, present = seed_demo_waivers()
    assert (created, present) == (len(DEMO_WAIVERS), 0)
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
        r"waivers\.csv \(MIAO CSV\): read 87, created 0, updated 0, unchanged 87", first
    )
    assert f"demo waivers: created {len(DEMO_WAIVERS)}, already present 0" in first
    before = (
        Waiver.objects.count(),
        WaiverStatusChange.objects.count(),
        WaiverAuditEntry.objects.count(),
    )
    assert before[0] == 86 + 27 + len(DEMO_WAIVERS)

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    second = out.getvalue()
    assert "created 86" not in second
    assert f"demo waivers: created 0, already present {len(DEMO_WAIVERS)}" in second
    assert (
        Waiver.objects.count(),
        WaiverStatusChange.objects.count(),
        WaiverAuditEntry.objects.count(),
    ) == before
