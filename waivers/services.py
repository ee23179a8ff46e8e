"""Writes to waivers. Every status change goes through one of the named
transition functions below; each checks its allowed source states, changes
the waiver and writes a WaiverStatusChange row in the same transaction.
Views, forms, serializers, the admin and importers never assign `status`.
"""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from waivers.business_days import review_due_date
from waivers.models import Waiver, WaiverStatusChange
from waivers.search import refresh_search_vectors

Status = Waiver.Status


class WaiverError(Exception):
    """Base class for refused waiver operations."""


class TransitionNotAllowed(WaiverError):
    """The waiver is not in a state from which this transition may happen."""

    def __init__(self, waiver: Waiver, action: str, allowed: Iterable[str]):
        self.waiver = waiver
        self.action = action
        self.allowed = tuple(allowed)
        allowed_labels = ", ".join(Status(s).label.lower() for s in self.allowed)
        super().__init__(
            f"Cannot {action} waiver {waiver.public_id}: it is "
            f"{waiver.get_status_display().lower()}; only a waiver that is "
            f"{allowed_labels} can be."
        )


# Fields a waiver must have before it can be posted, by type.
_REQUIRED_TO_SUBMIT = {
    "common": ("procurement_title", "summary", "rationale", "naics", "psc"),
    Waiver.Type.URGENT_REPORT: (),
    Waiver.Type.JONES_ACT: (),
    Waiver.Type.NONAVAILABILITY: ("procurement_stage", "coverage", "expected_duration"),
    Waiver.Type.UNREASONABLE_COST: ("procurement_stage", "coverage", "expected_duration"),
    Waiver.Type.PUBLIC_INTEREST: ("procurement_stage", "coverage", "expected_duration"),
}
_REQUIRED_DETAIL = {
    Waiver.Type.UNREASONABLE_COST: ("price_preference", "the price-preference figures"),
    Waiver.Type.JONES_ACT: ("jones_act", "the Jones Act vessel and voyage details"),
    Waiver.Type.URGENT_REPORT: ("urgent_report", "the urgent report details"),
}


def check_ready_to_submit(waiver: Waiver) -> None:
    """Raise ValidationError naming every field still missing for posting."""
    errors: dict[str, list[str]] = {}
    required = _REQUIRED_TO_SUBMIT["common"] + _REQUIRED_TO_SUBMIT[waiver.waiver_type]
    for name in required:
        if getattr(waiver, name if name not in ("naics", "psc") else f"{name}_id") in ("", None):
            label = Waiver._meta.get_field(name).verbose_name
            errors.setdefault(name, []).append(f"A submitted waiver needs its {label}.")
    if waiver.psc_id and waiver.psc and waiver.psc.is_retired:
        errors.setdefault("psc", []).append(
            f"PSC {waiver.psc_id} was retired on {waiver.psc.end_date:%Y-%m-%d}."
        )
    detail = _REQUIRED_DETAIL.get(waiver.waiver_type)
    if detail and not hasattr(waiver, detail[0]):
        errors.setdefault("__all__", []).append(f"A submitted waiver needs {detail[1]}.")
    if errors:
        raise ValidationError(errors)


def _record(waiver: Waiver, *, from_status: str, actor, note: str, at: dt.datetime) -> None:
    WaiverStatusChange.objects.create(
        waiver=waiver, from_status=from_status, to_status=waiver.status,
        actor=actor, note=note, at=at,
    )


def _transition(
    waiver: Waiver, *, action: str, allowed: tuple[str, ...], to: str, actor, note: str,
    at: dt.datetime | None, **changes,
) -> Waiver:
    """Lock the row, check the source state, apply the change and its history row."""
    with transaction.atomic():
        locked = Waiver.objects.select_for_update().get(pk=waiver.pk)
        if locked.status not in allowed:
            raise TransitionNotAllowed(locked, action, allowed)
        at = at or timezone.now()
        from_status = locked.status
        for name, value in changes.items():
            setattr(locked, name, value(at) if callable(value) else value)
        locked.status = to
        locked.full_clean()
        locked.save()
        _record(locked, from_status=from_status, actor=actor, note=note, at=at)
    # Hand the caller the saved state.
    waiver.refresh_from_db()
    return waiver


def create_draft(*, actor, waiver_type: str, contracting_agency, note: str = "", **fields) -> Waiver:
    """Create a draft waiver (not public) and its first history row."""
    with transaction.atomic():
        waiver = Waiver(
            waiver_type=waiver_type, contracting_agency=contracting_agency, **fields
        )
        waiver.full_clean()
        waiver.save()
        _record(waiver, from_status="", actor=actor, note=note, at=timezone.now())
        refresh_search_vectors([waiver.pk])
    return waiver


def submit(waiver: Waiver, *, actor, note: str = "", at: dt.datetime | None = None) -> Waiver:
    """Post a draft publicly and start MIAO's 15-business-day review clock."""
    check_ready_to_submit(waiver)

    def due(at: dt.datetime) -> dt.date | None:
        if waiver.waiver_type == Waiver.Type.URGENT_REPORT:
            return None  # a post-award report: there is no review to wait for
        return review_due_date(timezone.localdate(at))

    waiver = _transition(
        waiver, action="submit", allowed=(Status.DRAFT,), to=Status.SUBMITTED,
        actor=actor, note=note, at=at, submitted_at=lambda at: at, review_due_date=due,
    )
    refresh_search_vectors([waiver.pk])
    return waiver


def start_review(waiver: Waiver, *, actor, note: str = "", at: dt.datetime | None = None) -> Waiver:
    return _transition(
        waiver, action="start review of", allowed=(Status.SUBMITTED,), to=Status.IN_REVIEW,
        actor=actor, note=note, at=at,
    )


def record_determination(
    waiver: Waiver, *, actor, determination: str, conditions: str = "", explanation: str = "",
    note: str = "", at: dt.datetime | None = None,
) -> Waiver:
    """MIAO's determination. Conditions are required for a conditional
    determination and an explanation for an inconsistent one."""
    conditions, explanation = conditions.strip(), explanation.strip()
    errors = {}
    if determination not in Waiver.Determination.values:
        errors["determination"] = f"{determination!r} is not a determination."
    if determination == Waiver.Determination.CONDITIONALLY_CONSISTENT and not conditions:
        errors["determination_conditions"] = "A conditional determination must state its conditions."
    if determination == Waiver.Determination.INCONSISTENT and not explanation:
        errors["determination_explanation"] = "An inconsistent determination must be explained."
    if errors:
        raise ValidationError(errors)
    return _transition(
        waiver, action="record a determination for", allowed=(Status.SUBMITTED, Status.IN_REVIEW),
        to=Status.REVIEWED, actor=actor, note=note, at=at,
        determination=determination, determination_conditions=conditions,
        determination_explanation=explanation, determined_at=lambda at: at,
    )


def waive_review(waiver: Waiver, *, actor, note: str = "", at: dt.datetime | None = None) -> Waiver:
    return _transition(
        waiver, action="waive review of", allowed=(Status.SUBMITTED, Status.IN_REVIEW),
        to=Status.REVIEW_WAIVED, actor=actor, note=note, at=at,
    )


def record_final_decision(
    waiver: Waiver, *, actor, decision: str, decided_on: dt.date, note: str = "",
    at: dt.datetime | None = None,
) -> Waiver:
    """The agency's final decision, once review is complete or waived."""
    if decision not in Waiver.FinalDecision.values:
        raise ValidationError({"final_decision": f"{decision!r} is not a final decision."})
    return _transition(
        waiver, action="record the final decision for",
        allowed=(Status.REVIEWED, Status.REVIEW_WAIVED), to=Status.DECIDED,
        actor=actor, note=note, at=at, final_decision=decision, final_decision_date=decided_on,
    )


def withdraw(waiver: Waiver, *, actor, note: str = "", at: dt.datetime | None = None) -> Waiver:
    """The agency withdraws a posted waiver; it stays public, marked withdrawn."""
    return _transition(
        waiver, action="withdraw",
        allowed=(Status.SUBMITTED, Status.IN_REVIEW, Status.REVIEWED, Status.REVIEW_WAIVED,
                 Status.DECIDED),
        to=Status.WITHDRAWN, actor=actor, note=note, at=at, withdrawn_at=lambda at: at,
    )
