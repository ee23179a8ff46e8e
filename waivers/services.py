"""Writes to waivers. Every status change goes through one of the named
transition functions below; each checks its allowed source states, changes
the waiver and writes a WaiverStatusChange row in the same transaction.
Views, forms, serializers, the admin and importers never assign `status`.
"""

import copy
import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from waivers import audit, notifications, workflow
from waivers.business_days import review_due_date
from waivers.models import Waiver, WaiverAuditEntry, WaiverStatusChange
from waivers.search import refresh_search_vectors
from waivers.validation import REQUIRED_DETAIL as _REQUIRED_DETAIL
from waivers.validation import REQUIRED_TO_SUBMIT as _REQUIRED_TO_SUBMIT

Status = Waiver.Status
AuditAction = WaiverAuditEntry.Action


class WaiverError(Exception):
    """Base class for refused waiver operations."""


class TransitionNotAllowed(WaiverError):
    """The waiver is not in a state from which this transition may happen."""

    VERBS = {
        workflow.SUBMIT: "submit",
        workflow.START_REVIEW: "start review of",
        workflow.RECORD_DETERMINATION: "record a determination for",
        workflow.WAIVE_REVIEW: "waive review of",
        workflow.RECORD_FINAL_DECISION: "record the final decision for",
        workflow.WITHDRAW: "withdraw",
    }

    def __init__(self, waiver: Waiver, action: str, allowed: Iterable[str]):
        self.waiver = waiver
        self.action = action
        self.allowed = tuple(allowed)
        allowed_labels = ", ".join(Status(s).label.lower() for s in self.allowed)
        super().__init__(
            f"Cannot {self.VERBS[action]} waiver {waiver.public_id}: it is "
            f"{waiver.get_status_display().lower()}; only a waiver that is "
            f"{allowed_labels} can be."
        )


# What each type needs before posting: waivers.validation.REQUIRED_TO_SUBMIT / REQUIRED_DETAIL.


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
    _history_row(waiver, from_status=from_status, actor=actor, note=note, at=at).save(
        force_insert=True
    )


def _history_row(
    waiver: Waiver, *, from_status: str, actor, note: str, at: dt.datetime
) -> WaiverStatusChange:
    """The history row of a change to `waiver.status`, unsaved."""
    return WaiverStatusChange(
        waiver=waiver,
        from_status=from_status,
        to_status=waiver.status,
        actor=actor,
        note=note,
        at=at,
    )


def _allowed_from(action: str) -> tuple[str, ...]:
    return workflow.ACTIONS[action].allowed_from(superuser=False)


def _transition(
    waiver: Waiver,
    *,
    action: str,
    to: str,
    actor,
    note: str,
    at: dt.datetime | None,
    notify: Callable[[Waiver], object] | None = None,
    **changes,
) -> Waiver:
    """Lock the row, check the source state (workflow.ACTIONS[action]), apply
    the change and its history row, and write `notify`'s messages to the
    outbox in the same transaction."""
    with transaction.atomic():
        locked = Waiver.objects.select_for_update().get(pk=waiver.pk)
        at = at or timezone.now()
        from_status, diff = _apply_transition(locked, action=action, to=to, at=at, **changes)
        locked.full_clean()
        locked.save()
        _record(locked, from_status=from_status, actor=actor, note=note, at=at)
        audit.record(
            locked,
            action=AuditAction.TRANSITION,
            actor=actor,
            at=at,
            reason=note,
            changes=diff,
        )
        if notify is not None:
            notify(locked)
    # Hand the caller the saved state.
    waiver.refresh_from_db()
    return waiver


def _apply_transition(
    waiver: Waiver, *, action: str, to: str, at: dt.datetime, **changes
) -> tuple[str, list[dict]]:
    """Check the source state (workflow.ACTIONS[action]) and apply the change
    to `waiver` in memory: (the status it left, the audit diff). `changes`
    values may be callables of `at`."""
    allowed = _allowed_from(action)
    if waiver.status not in allowed:
        raise TransitionNotAllowed(waiver, action, allowed)
    from_status = waiver.status
    before = copy.copy(waiver)
    for name, value in changes.items():
        setattr(waiver, name, value(at) if callable(value) else value)
    waiver.status = to
    waiver.version += 1
    return from_status, audit.diff(before, waiver, ["status", *changes])


def create_draft(
    *,
    actor,
    waiver_type: str,
    contracting_agency,
    note: str = "",
    at: dt.datetime | None = None,
    details: Iterable = (),
    **fields,
) -> Waiver:
    """Create a draft waiver (not public) and its first history row. `at` dates
    that row (imports pass the source record's creation time; default now).
    `details` are unsaved type-specific rows (PricePreference, JonesActDetail,
    UrgentReport, WaiverInternal) saved with it; all of it is audited."""
    with transaction.atomic():
        waiver = Waiver(waiver_type=waiver_type, contracting_agency=contracting_agency, **fields)
        waiver.full_clean()
        waiver.save()
        changes = _created_diff(waiver, details)
        for detail in details:
            detail.waiver = waiver
            detail.full_clean()
            detail.save()
        _record(waiver, from_status="", actor=actor, note=note, at=at or timezone.now())
        audit.record(
            waiver, action=AuditAction.CREATED, actor=actor, at=at, reason=note, changes=changes
        )
        refresh_search_vectors([waiver.pk])
    return waiver


def _created_diff(waiver: Waiver, details: Iterable) -> list[dict]:
    """The audit entry's changes for a new waiver and its detail rows."""
    changes = audit.diff(None, waiver, ["waiver_type", *CONTENT_FIELDS])
    for detail in details:
        changes += audit.diff(
            None,
            detail,
            audit.editable_fields(type(detail)),
            prefix=f"{_related_name(detail)}.",
        )
    return changes


def submit(
    waiver: Waiver,
    *,
    actor,
    note: str = "",
    at: dt.datetime | None = None,
    require_complete: bool = True,
    notify: bool | None = None,
) -> Waiver:
    """Post a draft publicly and start MIAO's 15-business-day review clock.

    `require_complete=False` is for importing records MIAO already posted: the
    published record is a historical fact, so fields it lacks (or a PSC since
    retired) do not stop it being recorded as posted. Staff submissions always
    use the default.

    MIAO reviewers are emailed through the outbox, written with the change;
    see _notifier for `notify` (imports, with no actor, send nothing)."""
    if require_complete:
        check_ready_to_submit(waiver)
    waiver = _transition(
        waiver,
        action=workflow.SUBMIT,
        to=Status.SUBMITTED,
        actor=actor,
        note=note,
        at=at,
        notify=_notifier(notifications.waiver_submitted, actor=actor, notify=notify),
        **_submit_changes(waiver),
    )
    refresh_search_vectors([waiver.pk])
    return waiver


def _submit_changes(waiver: Waiver) -> dict:
    def due(at: dt.datetime) -> dt.date | None:
        if waiver.waiver_type == Waiver.Type.URGENT_REPORT:
            return None  # a post-award report: there is no review to wait for
        return review_due_date(timezone.localdate(at))

    return {"submitted_at": lambda at: at, "review_due_date": due}


def start_review(waiver: Waiver, *, actor, note: str = "", at: dt.datetime | None = None) -> Waiver:
    return _transition(
        waiver,
        action=workflow.START_REVIEW,
        to=Status.IN_REVIEW,
        actor=actor,
        note=note,
        at=at,
    )


def record_determination(
    waiver: Waiver,
    *,
    actor,
    determination: str,
    conditions: str = "",
    explanation: str = "",
    note: str = "",
    at: dt.datetime | None = None,
    notify: bool | None = None,
) -> Waiver:
    """MIAO's determination. Conditions are required for a conditional
    determination and an explanation for an inconsistent one. The agency's
    submitters are emailed through the outbox, written with it (see _notifier)."""
    return _transition(
        waiver,
        action=workflow.RECORD_DETERMINATION,
        to=Status.REVIEWED,
        actor=actor,
        note=note,
        at=at,
        notify=_notifier(notifications.determination_recorded, actor=actor, notify=notify),
        **_determination_changes(determination, conditions, explanation),
    )


def _determination_changes(determination: str, conditions: str, explanation: str) -> dict:
    """record_determination's changes, checked (ValidationError by field)."""
    conditions, explanation = conditions.strip(), explanation.strip()
    errors = {}
    if determination not in Waiver.Determination.values:
        errors["determination"] = f"{determination!r} is not a determination."
    if determination == Waiver.Determination.CONDITIONALLY_CONSISTENT and not conditions:
        errors["determination_conditions"] = (
            "A conditional determination must state its conditions."
        )
    if determination == Waiver.Determination.INCONSISTENT and not explanation:
        errors["determination_explanation"] = "An inconsistent determination must be explained."
    if errors:
        raise ValidationError(errors)
    return {
        "determination": determination,
        "determination_conditions": conditions,
        "determination_explanation": explanation,
        "determined_at": lambda at: at,
    }


def revise_published_determination(
    waiver: Waiver,
    *,
    determination: str,
    conditions: str = "",
    explanation: str = "",
    note: str,
    at: dt.datetime,
) -> Waiver:
    """A later published record of an imported, reviewed waiver states another
    determination (or the same one, published later): the record takes it,
    dated by the source. A changed determination writes a history row
    (reviewed → reviewed, with `note`); a re-dated one only its audit entry.
    Only for imported waivers; MIAO's own reviews use record_determination."""
    if not waiver.source_id:
        raise ValueError("Only an imported waiver takes a published determination.")
    conditions, explanation = conditions.strip(), explanation.strip()
    with transaction.atomic():
        locked = Waiver.objects.select_for_update().get(pk=waiver.pk)
        if locked.status != Status.REVIEWED:
            raise TransitionNotAllowed(locked, workflow.RECORD_DETERMINATION, (Status.REVIEWED,))
        before = copy.copy(locked)
        changed_determination = locked.determination != determination
        locked.determination = determination
        locked.determination_conditions = conditions
        locked.determination_explanation = explanation
        locked.determined_at = at
        names = [
            "determination",
            "determination_conditions",
            "determination_explanation",
            "determined_at",
        ]
        changes = audit.diff(before, locked, names)
        if not changes:
            return waiver
        locked.version += 1
        locked.full_clean()
        locked.save()
        if changed_determination:
            _record(locked, from_status=Status.REVIEWED, actor=None, note=note, at=at)
        audit.record(
            locked, action=AuditAction.TRANSITION, actor=None, at=at, reason=note, changes=changes
        )
    waiver.refresh_from_db()
    return waiver


def waive_review(waiver: Waiver, *, actor, note: str = "", at: dt.datetime | None = None) -> Waiver:
    return _transition(
        waiver,
        action=workflow.WAIVE_REVIEW,
        to=Status.REVIEW_WAIVED,
        actor=actor,
        note=note,
        at=at,
    )


def record_final_decision(
    waiver: Waiver,
    *,
    actor,
    decision: str,
    decided_on: dt.date,
    note: str = "",
    at: dt.datetime | None = None,
) -> Waiver:
    """The agency's final decision, once review is complete or waived."""
    errors = {}
    if decision not in Waiver.FinalDecision.values:
        errors["final_decision"] = f"{decision!r} is not a final decision."
    if decided_on > timezone.localdate():
        errors["final_decision_date"] = "The decision cannot be dated in the future."
    if errors:
        raise ValidationError(errors)
    return _transition(
        waiver,
        action=workflow.RECORD_FINAL_DECISION,
        to=Status.DECIDED,
        actor=actor,
        note=note,
        at=at,
        final_decision=decision,
        final_decision_date=decided_on,
    )


def withdraw(waiver: Waiver, *, actor, note: str = "", at: dt.datetime | None = None) -> Waiver:
    """The agency withdraws a posted waiver; it stays public, marked withdrawn."""
    return _transition(
        waiver,
        action=workflow.WITHDRAW,
        to=Status.WITHDRAWN,
        actor=actor,
        note=note,
        at=at,
        **_WITHDRAW_CHANGES,
    )


_WITHDRAW_CHANGES = {"withdrawn_at": lambda at: at}


# --- notifications --------------------------------------------------------------


def _notifier(
    send: Callable[[int], int], *, actor, notify: bool | None
) -> Callable[[Waiver], int] | None:
    """The staff email a transition writes to the outbox in its own
    transaction (waivers.notifications), or None. `notify=None` means "when a
    person acted": the importer replays history with actor=None and sends
    nothing; pass notify=False to silence a staff action too, or True to
    force it."""
    if notify is None:
        notify = actor is not None
    return (lambda waiver: send(waiver.pk)) if notify else None


# --- editing content (drafts, amendments) and deletion ------------------------------

# The public and agency-entered fields staff edit; lifecycle fields (status,
# dates, determination, decision) change only through the transitions above,
# identity fields (public id, source id, type) never.
CONTENT_FIELDS = (
    "contracting_agency",
    "funding_agency",
    "naics",
    "psc",
    "procurement_title",
    "summary",
    "procurement_stage",
    "sources_sought",
    "piids",
    "solicitation_id",
    "price_preference_included",
    "coverage",
    "rationale",
    "expected_duration",
    "countries",
    "start_date",
    "expiration_date",
    "end_product_cots",
    "end_product_critical",
    "end_product_iron_steel",
    "public_interest_justification",
    "cost_advantage_assessment",
    "public_comment_link",
)


class StaleEdit(WaiverError):
    """Someone else saved the waiver since this edit was loaded (optimistic lock)."""

    def __init__(self, waiver: Waiver, expected_version: int):
        self.waiver = waiver
        self.expected_version = expected_version
        super().__init__(
            f"Waiver {waiver.public_id} was changed by someone else after you opened it "
            f"(it is now at version {waiver.version}, you loaded version {expected_version}). "
            "Reload the page to see their changes, then make yours again."
        )


def _related_name(detail) -> str:
    return detail._meta.get_field("waiver").remote_field.related_name


def _save_content(
    waiver: Waiver,
    *,
    actor,
    expected_version: int,
    details: Iterable,
    removed: Iterable,
    action: str,
    reason: str,
) -> Waiver:
    with transaction.atomic():
        locked = Waiver.objects.select_for_update().get(pk=waiver.pk)
        if locked.version != expected_version:
            raise StaleEdit(locked, expected_version)
        if action == AuditAction.EDITED and locked.status not in _allowed_from(workflow.EDIT):
            raise WaiverError(
                f"Waiver {locked.public_id} is posted: change it through an amendment."
            )
        if action == AuditAction.AMENDED and locked.status not in _allowed_from(workflow.AMEND):
            raise WaiverError(
                f"Waiver {locked.public_id} is {locked.get_status_display().lower()}; only "
                "a posted waiver that is not withdrawn is amended."
            )
        changes = audit.diff(locked, waiver, CONTENT_FIELDS)
        for name in CONTENT_FIELDS:
            setattr(locked, name, getattr(waiver, name))
        for detail in details:
            model = type(detail)
            old = model.objects.filter(waiver=locked).first()
            detail.waiver = locked
            if old is not None:  # update the existing row even if the form made a new one
                detail.pk, detail.created_at = old.pk, old.created_at
                detail._state.adding = False
            detail.full_clean()
            detail.save()
            changes += audit.diff(
                old, detail, audit.editable_fields(model), prefix=f"{_related_name(detail)}."
            )
        for detail in removed:
            old = type(detail).objects.filter(waiver=locked).first()
            if old is None:
                continue
            changes += audit.diff(
                old, None, audit.editable_fields(type(old)), prefix=f"{_related_name(old)}."
            )
            old.delete()
        if not changes:
            return waiver
        if locked.status != Status.DRAFT:
            check_ready_to_submit(locked)  # posted content stays complete
        locked.version += 1
        locked.full_clean()
        locked.save()
        audit.record(locked, action=action, actor=actor, changes=changes, reason=reason)
        refresh_search_vectors([locked.pk])
    waiver.refresh_from_db()
    return waiver


def update_draft(
    waiver: Waiver,
    *,
    actor,
    expected_version: int,
    details: Iterable = (),
    removed_details: Iterable = (),
    note: str = "",
) -> Waiver:
    """Save staff edits to a draft: `waiver` carries the new values of
    CONTENT_FIELDS, `details` the new or changed detail rows, `removed_details`
    rows to delete. Refused with StaleEdit when the waiver's version is no
    longer `expected_version` (someone saved in between). Audited field by field."""
    return _save_content(
        waiver,
        actor=actor,
        expected_version=expected_version,
        details=details,
        removed=removed_details,
        action=AuditAction.EDITED,
        reason=note,
    )


def amend(
    waiver: Waiver,
    *,
    actor,
    expected_version: int,
    reason: str,
    details: Iterable = (),
    removed_details: Iterable = (),
) -> Waiver:
    """Change the content of a posted waiver. Public content is locked once
    posted: an amendment must give its reason, and the audit trail records it
    with the old and new value of every field it changed."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"amendment_reason": "An amendment must give its reason."})
    return _save_content(
        waiver,
        actor=actor,
        expected_version=expected_version,
        details=details,
        removed=removed_details,
        action=AuditAction.AMENDED,
        reason=reason,
    )


def delete_waiver(waiver: Waiver, *, actor, reason: str = "") -> None:
    """Delete a waiver, recording a snapshot of it in the audit trail first (the
    audit row outlives the waiver). Who may delete what is decided by the
    caller (agency submitters delete drafts of their agencies); a posted waiver
    is refused unless the actor is a superuser."""
    with transaction.atomic():
        locked = Waiver.objects.select_for_update().get(pk=waiver.pk)
        superuser = bool(getattr(actor, "is_superuser", False))
        if locked.status not in workflow.ACTIONS[workflow.DELETE].allowed_from(superuser=superuser):
            raise WaiverError(
                f"Waiver {locked.public_id} is posted; only a superuser may delete it."
            )
        audit.record(
            locked,
            action=AuditAction.DELETED,
            actor=actor,
            reason=reason,
            snapshot=audit.snapshot(locked),
            changes=[{"field": "status", "old": locked.status, "new": None}],
        )
        locked.delete()


# --- re-importing published records -----------------------------------------------

# What a re-import of MIAO's published data may change on a waiver it created:
# the public content and the import bookkeeping, never lifecycle or identity.
SOURCE_FIELDS = (
    *CONTENT_FIELDS,
    "published_determination_date",
    "published_withdrawal_date",
    "is_test_record",
    "source_created_at",
    "source_modified_at",
)


def update_from_source(
    waiver: Waiver,
    *,
    fields: dict,
    details: Iterable = (),
    note: str,
    field_times: dict | None = None,
) -> bool:
    """Apply a changed source record to an imported waiver (waivers.importers).

    `fields` maps SOURCE_FIELDS (names or attnames such as `naics_id`) to the
    source's values; `details` are unsaved detail rows to create or update.
    Unlike `amend`, an incomplete published record is accepted as published.
    Audited as an amendment with `note` as its reason. `field_times` replaces
    the import's per-field bookkeeping (Waiver.source_field_times), saved even
    when no public field changes. Returns False, writing no public change,
    when nothing differs."""
    names = {Waiver._meta.get_field(key).name: key for key in fields}
    unknown = set(names) - set(SOURCE_FIELDS)
    if unknown:
        raise ValueError(f"Not a source field: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        locked = Waiver.objects.select_for_update().get(pk=waiver.pk)
        before = copy.copy(locked)
        for key, value in fields.items():
            setattr(locked, key, value)
        changes = audit.diff(before, locked, names)
        for detail in details:
            model = type(detail)
            old = model.objects.filter(waiver=locked).first()
            detail.waiver = locked
            if old is not None:
                detail.pk = old.pk
                detail.created_at = old.created_at
                detail._state.adding = False  # an update: unique checks exclude this row
            detail_changes = audit.diff(
                old, detail, audit.editable_fields(model), prefix=f"{_related_name(detail)}."
            )
            if detail_changes:
                detail.full_clean()
                detail.save()
                changes += detail_changes
        if not changes:
            if field_times is not None and field_times != locked.source_field_times:
                Waiver.objects.filter(pk=locked.pk).update(source_field_times=field_times)
            return False
        if field_times is not None:
            locked.source_field_times = field_times
        locked.version += 1
        locked.full_clean()
        locked.save()
        audit.record(locked, action=AuditAction.AMENDED, actor=None, changes=changes, reason=note)
        refresh_search_vectors([locked.pk])
    waiver.refresh_from_db()
    return True


# --- importing new published records in bulk -----------------------------------------
#
# The importer's fast path for records it has not seen: each new waiver is
# built in memory by the same steps as create_draft and the transitions
# (actor None, so no email), then a batch is written with one INSERT per table
# and one search-vector refresh. The rows are those the one-by-one path writes:
# the waiver, its detail rows, a history row per status change and an audit
# entry per step.


@dataclass
class PublishedWaiver:
    """A new imported waiver built in memory, with the rows it will write."""

    waiver: Waiver
    details: list
    history: list[WaiverStatusChange] = field(default_factory=list)
    entries: list[WaiverAuditEntry] = field(default_factory=list)


# Checked without a query: build_published leaves out the foreign keys (the
# importer passes rows it has loaded) and the unique and database constraints,
# which the database checks when save_published writes the batch.
_RELATIONS = ("contracting_agency", "funding_agency", "naics", "psc")


def _clean_in_memory(instance, exclude: Iterable[str]) -> None:
    instance.full_clean(exclude=list(exclude), validate_unique=False, validate_constraints=False)


def build_published(
    *,
    waiver_type: str,
    contracting_agency,
    note: str,
    at: dt.datetime,
    details: Iterable = (),
    **fields,
) -> PublishedWaiver:
    """create_draft (actor None), in memory. Follow with published_transition
    for each step of the published state, then save_published."""
    waiver = Waiver(waiver_type=waiver_type, contracting_agency=contracting_agency, **fields)
    _clean_in_memory(waiver, _RELATIONS)
    details = list(details)
    for detail in details:
        detail.waiver = waiver
        _clean_in_memory(detail, ["waiver"])
    published = PublishedWaiver(waiver=waiver, details=details)
    published.history.append(_history_row(waiver, from_status="", actor=None, note=note, at=at))
    published.entries.append(
        audit.build(
            waiver,
            action=AuditAction.CREATED,
            actor=None,
            at=at,
            reason=note,
            changes=_created_diff(waiver, details),
        )
    )
    return published


# The transitions a published record replays: the status each leads to and
# its changes, as submit (require_complete=False), record_determination and
# withdraw make them.
_PUBLISHED_TRANSITIONS: dict[str, tuple[str, Callable[..., dict]]] = {
    workflow.SUBMIT: (Status.SUBMITTED, lambda waiver: _submit_changes(waiver)),
    workflow.RECORD_DETERMINATION: (
        Status.REVIEWED,
        lambda waiver, **arguments: _determination_changes(**arguments),
    ),
    workflow.WITHDRAW: (Status.WITHDRAWN, lambda waiver: _WITHDRAW_CHANGES),
}


def published_transition(
    published: PublishedWaiver, action: str, *, note: str, at: dt.datetime, **arguments
) -> None:
    """A transition of a built waiver, in memory, with the same source-state
    check, changes, history row and audit entry as on a saved one. For
    RECORD_DETERMINATION, `arguments` are determination, conditions and
    explanation."""
    to, changes_for = _PUBLISHED_TRANSITIONS[action]
    waiver = published.waiver
    changes = changes_for(waiver, **arguments)
    from_status, diff = _apply_transition(waiver, action=action, to=to, at=at, **changes)
    _clean_in_memory(waiver, _RELATIONS)
    published.history.append(
        _history_row(waiver, from_status=from_status, actor=None, note=note, at=at)
    )
    published.entries.append(
        audit.build(
            waiver, action=AuditAction.TRANSITION, actor=None, at=at, reason=note, changes=diff
        )
    )


def save_published(batch: list[PublishedWaiver]) -> list[Waiver]:
    """Write built waivers, all or nothing: one INSERT per table and one
    search-vector refresh. A row the database refuses (a constraint, a
    duplicate source id) raises DatabaseError and none of the batch is written."""
    with transaction.atomic():
        waivers = Waiver.objects.bulk_create([p.waiver for p in batch])
        details: dict[type, list] = {}
        history, entries = [], []
        for published in batch:
            for detail in published.details:
                detail.waiver = published.waiver
                details.setdefault(type(detail), []).append(detail)
            for row in published.history:
                row.waiver = published.waiver
                history.append(row)
            for entry in published.entries:
                entry.waiver_id = published.waiver.pk
                entries.append(entry)
        for model, rows in details.items():
            model.objects.bulk_create(rows)
        WaiverStatusChange.objects.bulk_create(history)
        WaiverAuditEntry.objects.bulk_create(entries)
        refresh_search_vectors([waiver.pk for waiver in waivers])
    return waivers
