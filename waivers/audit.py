"""Writing the audit trail (WaiverAuditEntry). Called only from
waivers.services, inside the transaction of the change it records."""

import datetime as dt
import decimal
from collections.abc import Iterable

from django.db import models
from django.utils import timezone

from waivers.models import Waiver, WaiverAuditEntry


def jsonable(value):
    """A value as it is stored in the audit trail: JSON-friendly and readable."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    return str(value)


_EMPTY = ("", None, [], {})


def _value(instance: models.Model | None, field: models.Field):
    if instance is None:
        return None
    if field.is_relation:
        return getattr(instance, field.name)
    return getattr(instance, field.attname)


def _key(instance: models.Model | None, field: models.Field):
    """What is compared: the raw column value (ids for relations)."""
    return None if instance is None else getattr(instance, field.attname)


def diff(
    old: models.Model | None, new: models.Model | None, fields: Iterable[str], *, prefix: str = ""
) -> list[dict]:
    """Field-level changes between two versions of a row, as audit entries.
    `old` None means the row is new; `new` None means it was removed."""
    model = type(new if new is not None else old)
    changes = []
    for name in fields:
        field = model._meta.get_field(name)
        before, after = _key(old, field), _key(new, field)
        if before == after:
            continue
        if (old is None and after in _EMPTY) or (new is None and before in _EMPTY):
            continue  # a new or removed row: list only the fields that held something
        changes.append(
            {
                "field": f"{prefix}{name}",
                "old": jsonable(_value(old, field)),
                "new": jsonable(_value(new, field)),
            }
        )
    return changes


def editable_fields(model: type[models.Model]) -> list[str]:
    """Fields of a detail row that staff edit (not its id, waiver or timestamps)."""
    return [
        f.name
        for f in model._meta.concrete_fields
        if f.editable and not f.primary_key and f.name != "waiver"
    ]


def snapshot(waiver: Waiver) -> dict:
    """The whole record (public fields, details, history) as JSON, kept in the
    audit trail when the waiver itself is deleted."""
    record = {
        f.name: jsonable(_value(waiver, f))
        for f in Waiver._meta.concrete_fields
        if f.name != "search_vector"
    }
    for related in ("price_preference", "jones_act", "urgent_report", "internal"):
        detail = getattr(waiver, related, None) if hasattr(waiver, related) else None
        if detail is not None:
            record[related] = {
                name: jsonable(getattr(detail, name)) for name in editable_fields(type(detail))
            }
    record["status_history"] = [
        {
            "from": c.from_status,
            "to": c.to_status,
            "at": c.at.isoformat(),
            "actor": jsonable(c.actor),
            "note": c.note,
        }
        for c in waiver.status_changes.select_related("actor")
    ]
    return record


def record(
    waiver: Waiver,
    *,
    action: str,
    actor,
    changes: list[dict] | None = None,
    at: dt.datetime | None = None,
    reason: str = "",
    snapshot: dict | None = None,
) -> WaiverAuditEntry:
    entry = build(
        waiver,
        action=action,
        actor=actor,
        changes=changes,
        at=at,
        reason=reason,
        snapshot=snapshot,
    )
    entry.save(force_insert=True)
    return entry


def build(
    waiver: Waiver,
    *,
    action: str,
    actor,
    changes: list[dict] | None = None,
    at: dt.datetime | None = None,
    reason: str = "",
    snapshot: dict | None = None,
) -> WaiverAuditEntry:
    """The audit entry `record` writes, unsaved (for writing in bulk: its
    waiver id is set when the waiver is saved)."""
    return WaiverAuditEntry(
        waiver_id=waiver.pk,
        waiver_public_id=waiver.public_id,
        action=action,
        changes=changes or [],
        snapshot=snapshot or {},
        actor=actor,
        at=at or timezone.now(),
        reason=reason,
    )
