"""The outcome of a waiver in words, and MIAO's finding in a sentence: the
same texts on the page (Python) and in the downloads and API (SQL)."""

import datetime as dt

import pytest
from django.utils import timezone

from tests import site_data
from tests.factories import WaiverFactory, post
from waivers import outcomes, services
from waivers.models import JonesActDetail, Waiver

pytestmark = pytest.mark.django_db

Status = Waiver.Status


def _sql_texts(waiver: Waiver) -> tuple[str, str]:
    return (
        Waiver.objects.filter(pk=waiver.pk)
        .annotate(o=outcomes.outcome_sql(), f=outcomes.finding_sql())
        .values_list("o", "f")
        .get()
    )


def _fresh(waiver: Waiver) -> Waiver:
    return Waiver.objects.select_related("jones_act").get(pk=waiver.pk)


def _decided(decision: str) -> Waiver:
    waiver = post(WaiverFactory(), to=Status.REVIEWED)
    return services.record_final_decision(
        waiver, actor=None, decision=decision, decided_on=timezone.localdate()
    )


def _inconsistent() -> Waiver:
    waiver = post(WaiverFactory(), to=Status.IN_REVIEW)
    return services.record_determination(
        waiver,
        actor=None,
        determination=Waiver.Determination.INCONSISTENT,
        explanation="A domestic source exists.",
    )


CASES = {
    "submitted": (lambda: post(WaiverFactory(), to=Status.SUBMITTED), "Under MIAO review (due "),
    "in_review": (lambda: post(WaiverFactory(), to=Status.IN_REVIEW), "Under MIAO review (due "),
    "reviewed": (
        lambda: post(WaiverFactory(), to=Status.REVIEWED),
        "Awaiting the agency's decision",
    ),
    "inconsistent": (_inconsistent, "Awaiting the agency's decision"),
    "review_waived": (
        lambda: post(WaiverFactory(), to=Status.REVIEW_WAIVED),
        "Awaiting the agency's decision",
    ),
    "granted": (lambda: _decided(Waiver.FinalDecision.GRANTED), "Granted"),
    "not_granted": (lambda: _decided(Waiver.FinalDecision.NOT_GRANTED), "Not granted"),
    "withdrawn": (lambda: post(WaiverFactory(), to=Status.WITHDRAWN), "Withdrawn"),
    "urgent_report": (site_data.urgent_report, "No determination published"),
    "jones_act_granted": (site_data.jones_act, "Granted"),
}


@pytest.mark.parametrize("case", CASES)
def test_outcome_in_words_is_the_same_on_pages_and_in_downloads(case):
    make, expected = CASES[case]
    waiver = _fresh(make())
    assert waiver.outcome.startswith(expected)
    assert waiver.outcome in (expected, *(f"{expected}{waiver.outcome[len(expected) :]}",))
    assert _sql_texts(waiver) == (waiver.outcome, waiver.finding)


def test_under_review_names_the_due_date_in_the_site_date_format():
    waiver = post(WaiverFactory(), to=Status.SUBMITTED)
    waiver.review_due_date = dt.date(2026, 3, 4)
    waiver.save(update_fields=["review_due_date"])
    waiver = _fresh(waiver)
    assert waiver.outcome == "Under MIAO review (due March 4, 2026)"
    assert waiver.finding == "MIAO is reviewing the waiver; its review is due March 4, 2026."
    assert _sql_texts(waiver) == (waiver.outcome, waiver.finding)


def test_a_denied_jones_act_request_is_not_granted():
    waiver = site_data.jones_act()
    JonesActDetail.objects.filter(waiver=waiver).update(
        decision=JonesActDetail.Decision.DENIED, denial_reasons="U.S.-flag vessel available."
    )
    waiver = _fresh(waiver)
    assert waiver.outcome == "Not granted"
    assert _sql_texts(waiver)[0] == "Not granted"


@pytest.mark.parametrize(
    ("determination", "sentence"),
    [
        ("consistent", "MIAO found the waiver consistent with policy."),
        ("inconsistent", "MIAO found the waiver inconsistent with policy."),
    ],
)
def test_finding_is_a_plain_sentence(determination, sentence):
    waiver = (
        _inconsistent()
        if determination == "inconsistent"
        else post(WaiverFactory(), to=Status.REVIEWED)
    )
    assert _fresh(waiver).finding == sentence


def test_every_outcome_text_is_one_of_the_published_ones():
    for make, _ in CASES.values():
        text = _fresh(make()).outcome
        assert text.split(" (due ")[0] in outcomes.OUTCOMES
