import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.factories import UserFactory, WaiverFactory, post
from waivers import services
from waivers.models import Waiver, WaiverStatusChange

pytestmark = pytest.mark.django_db
Status = Waiver.Status


def history(waiver):
    return list(
        WaiverStatusChange.objects.filter(waiver=waiver).values_list("from_status", "to_status")
    )


def test_create_draft_writes_first_history_row():
    user = UserFactory()
    draft = WaiverFactory.build()
    waiver = services.create_draft(
        actor=user,
        waiver_type=draft.waiver_type,
        contracting_agency=draft.contracting_agency,
        procurement_title="Laser",
        naics=draft.naics,
        psc=draft.psc,
    )
    assert waiver.status == Status.DRAFT
    assert history(waiver) == [("", "draft")]
    assert WaiverStatusChange.objects.get(waiver=waiver).actor == user


def test_submit_sets_review_clock_and_history():
    user = UserFactory()
    waiver = WaiverFactory()
    # Friday 2022-11-18; 15 business days skip Thanksgiving (11-24).
    at = timezone.make_aware(dt.datetime(2022, 11, 18, 10))
    services.submit(waiver, actor=user, at=at, note="posted")
    waiver.refresh_from_db()
    assert waiver.status == Status.SUBMITTED
    assert waiver.submitted_at == at
    assert waiver.review_due_date == dt.date(2022, 12, 12)
    change = WaiverStatusChange.objects.get(waiver=waiver, to_status=Status.SUBMITTED)
    assert (change.from_status, change.actor, change.note) == ("draft", user, "posted")
    assert change.at == at


def test_submit_refuses_incomplete_draft_naming_fields():
    waiver = WaiverFactory(procurement_title="", psc=None)
    with pytest.raises(ValidationError) as excinfo:
        services.submit(waiver, actor=None)
    assert set(excinfo.value.message_dict) == {"procurement_title", "psc"}
    waiver.refresh_from_db()
    assert waiver.status == Status.DRAFT
    assert not WaiverStatusChange.objects.filter(waiver=waiver).exists()


@pytest.mark.parametrize(
    ("start", "action"),
    [
        (Status.DRAFT, lambda w: services.start_review(w, actor=None)),
        (Status.DRAFT, lambda w: services.withdraw(w, actor=None)),
        (Status.SUBMITTED, lambda w: services.submit(w, actor=None)),
        (Status.REVIEWED, lambda w: services.waive_review(w, actor=None)),
        (Status.WITHDRAWN, lambda w: services.start_review(w, actor=None)),
        (
            Status.WITHDRAWN,
            lambda w: services.record_determination(w, actor=None, determination="consistent"),
        ),
        (
            Status.SUBMITTED,
            lambda w: services.record_final_decision(
                w, actor=None, decision="granted", decided_on=dt.date(2022, 1, 1)
            ),
        ),
        (
            Status.DECIDED,
            lambda w: services.withdraw(w, actor=None) and services.withdraw(w, actor=None),
        ),
    ],
)
def test_forbidden_transitions_raise_and_change_nothing(start, action):
    waiver = WaiverFactory()
    if start != Status.DRAFT:
        post(waiver, to=start)
    before = history(waiver)
    with pytest.raises(services.TransitionNotAllowed):
        action(waiver)
    waiver.refresh_from_db()
    assert history(waiver)[: len(before)] == before


def test_full_lifecycle_history():
    waiver = WaiverFactory()
    post(waiver, to=Status.DECIDED)
    assert history(waiver) == [
        ("draft", "submitted"),
        ("submitted", "reviewed"),
        ("reviewed", "decided"),
    ]
    assert waiver.final_decision == Waiver.FinalDecision.GRANTED


def test_conditional_determination_requires_conditions():
    waiver = post(WaiverFactory())
    with pytest.raises(ValidationError) as excinfo:
        services.record_determination(
            waiver,
            actor=None,
            determination=Waiver.Determination.CONDITIONALLY_CONSISTENT,
            conditions="   ",
        )
    assert "determination_conditions" in excinfo.value.message_dict
    waiver.refresh_from_db()
    assert waiver.status == Status.SUBMITTED


def test_withdrawn_waiver_stays_public():
    waiver = post(WaiverFactory(), to=Status.IN_REVIEW)
    services.withdraw(waiver, actor=None, note="requirement cancelled")
    assert Waiver.objects.public().filter(pk=waiver.pk).exists()
    assert history(waiver)[-1] == ("in_review", "withdrawn")


def test_drafts_and_test_records_are_not_public():
    draft = WaiverFactory()
    test_record = post(WaiverFactory(is_test_record=True))
    posted = post(WaiverFactory())
    assert list(Waiver.objects.public()) == [posted]
    assert draft not in Waiver.objects.public() and test_record not in Waiver.objects.public()
