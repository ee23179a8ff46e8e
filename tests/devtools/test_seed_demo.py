"""seed_demo: reference lists, MIAO's published record (the 2021-2026
export and the 2022 files) and the demo waivers of devtools/demo_waivers.json,
only for the types and statuses that record lacks."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from devtools.demo import load_demo_waivers, seed_demo_waivers
from waivers.importers.miao import public_id_for_source
from waivers.models import (
    JonesActDetail,
    NaicsCode,
    PscCode,
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


# What MIAO's published record lacks, which the demo waivers are there to show.
# (MIAO's 27 published urgent reports are all test records, never public.)
DEMO_TYPES = {Waiver.Type.UNREASONABLE_COST, Waiver.Type.JONES_ACT, Waiver.Type.URGENT_REPORT}
DEMO_STATUSES = {
    Status.DRAFT,
    Status.IN_REVIEW,
    Status.REVIEW_WAIVED,
    Status.DECIDED,
    Status.WITHDRAWN,
}


def test_demo_waivers_show_only_what_the_real_record_lacks():
    created, present = seed_demo_waivers()
    assert (created, present) == (DEMO_COUNT, 0)
    demo = demo_waivers()
    assert set(demo.values_list("waiver_type", flat=True)) > DEMO_TYPES
    assert set(demo.values_list("status", flat=True)) - {Status.SUBMITTED} == DEMO_STATUSES
    assert set(demo.exclude(final_decision="").values_list("final_decision", flat=True)) == set(
        Waiver.FinalDecision.values
    )
    for waiver in demo:
        # Each demo record shows a type or a status the real record lacks.
        assert waiver.waiver_type in DEMO_TYPES or waiver.status in DEMO_STATUSES
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
    # The decision is dated in the site's time zone (not UTC's date).
    assert granted.waiver.final_decision_date == timezone.localdate(granted.decided_at)
    assert details.get(decision="").waiver.status == Status.SUBMITTED


def test_some_demo_waivers_carry_government_only_information():
    seed_demo_waivers()
    internal = WaiverInternal.objects.filter(waiver__source_id__startswith="demo-")
    assert internal.count() >= 2
    assert internal.filter(waiver__status__in=[Status.IN_REVIEW, Status.DECIDED]).exists()
    assert not Waiver.objects.public().filter(source_id="demo-draft-cryogenic-probe-station")


def counts():
    return (
        Waiver.objects.count(),
        WaiverStatusChange.objects.count(),
        WaiverAuditEntry.objects.count(),
        NaicsCode.objects.count(),
        PscCode.objects.count(),
    )


def test_seed_demo_loads_the_current_record_and_is_idempotent():
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    first = out.getvalue()
    assert re.search(
        r"waivers-export-2026-03-09\.csv \(MIAO waiver export CSV\): read 2134, created 2133, "
        r"updated 0, unchanged 0, rejected 1",
        first,
    )
    # 75 ids of waivers-data.json are in the export: the 2022 file adds the
    # fields the export lacks (rationale, countries) and creates the others.
    assert re.search(
        r"waivers-data\.json \(MIAO JSON\): read 87, created 11, updated 72, unchanged 3, "
        r"duplicate 1",
        first,
    )
    assert re.search(
        r"urgent-waivers-data\.json \(MIAO JSON\): read 27, created 27, .*flagged as test data 27",
        first,
    )
    assert re.search(
        r"waivers\.csv \(MIAO CSV\): read 87, created 0, updated 0, unchanged 86, duplicate 1",
        first,
    )
    assert f"demo waivers: created {DEMO_COUNT}, already present 0" in first
    before = counts()
    imported = Waiver.objects.exclude(source_id__startswith="demo-")
    assert imported.count() == 2133 + 11 + 27
    assert Waiver.objects.public().exclude(source_id__startswith="demo-").count() > 2100

    # The real record and the demo waivers together show every type, status,
    # determination and final decision; the real record alone lacks DEMO_*.
    everything = Waiver.objects.all()
    assert set(everything.values_list("waiver_type", flat=True)) == set(Waiver.Type.values)
    assert set(everything.values_list("status", flat=True)) == set(Status.values)
    assert set(imported.values_list("status", flat=True)).isdisjoint(DEMO_STATUSES)
    assert set(imported.exclude(determination="").values_list("determination", flat=True)) == set(
        Waiver.Determination.values
    )
    for inconsistent in imported.filter(determination=Waiver.Determination.INCONSISTENT):
        assert inconsistent.determination_explanation
    public = Waiver.objects.public().exclude(source_id__startswith="demo-")
    assert set(public.values_list("waiver_type", flat=True)) == {
        Waiver.Type.NONAVAILABILITY,
        Waiver.Type.PUBLIC_INTEREST,
    }

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    second = out.getvalue()
    assert re.search(
        r"waivers-export-2026-03-09\.csv \(MIAO waiver export CSV\): read 2134, created 0, "
        r"updated 0, unchanged 2133, rejected 1",
        second,
    )
    assert "created 11" not in second and "updated 72" not in second
    assert f"demo waivers: created 0, already present {DEMO_COUNT}" in second
    assert counts() == before


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


def test_demo_has_supplier_responses_in_every_outcome():
    from responses.models import OutcomeChange, SupplierResponse

    seed_demo_waivers()
    responses = SupplierResponse.objects.filter(waiver__source_id__startswith="demo-")
    assert set(responses.values_list("outcome", flat=True)) == set(SupplierResponse.Outcome.values)
    assert not responses.filter(confirmed_at__isnull=True).exists()
    assert {True, False} == set(responses.values_list("public_consent", flat=True))
    for waiver in demo_waivers().filter(supplier_response_count__gt=0):
        assert waiver.supplier_response_count == responses.filter(waiver=waiver).count()
    for response in responses.exclude(outcome=SupplierResponse.Outcome.NEW):
        change = OutcomeChange.objects.get(response=response)
        assert (change.from_outcome, change.to_outcome) == ("new", response.outcome)
    recorded = responses.exclude(outcome=SupplierResponse.Outcome.NEW).count()
    assert WaiverAuditEntry.objects.filter(action="response_outcome").count() == recorded
    # Seeding again adds nothing.
    seed_demo_waivers()
    assert SupplierResponse.objects.count() == responses.count()
