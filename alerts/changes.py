"""What counts as a public change of a waiver (the one rule), and how alerts
learn of such changes: from the append-only history the services already
write in the same transaction as every change, never from signals.

A public change is
- a status change (WaiverStatusChange) to submitted, reviewed (MIAO's
  determination), review waived, decided (the final decision) or withdrawn;
- an amendment (WaiverAuditEntry, action "amended") of a public field: one of
  waivers.services.CONTENT_FIELDS or a field of a public detail (price
  preference, Jones Act, urgent report). Government-only information is never
  a public change.

Whether the waiver itself is public (not a draft, not a test record) is
decided when a message is prepared, from Waiver.objects.public().

collect() copies new public changes into PublicChange, whose ids grow in
commit order; each subscription keeps the last id it has been told about.
"""

import logging

from django.db import OperationalError, connection, transaction

from alerts.models import ChangeCursor, PublicChange, Subscription
from waivers.models import Waiver, WaiverAuditEntry, WaiverStatusChange
from waivers.services import CONTENT_FIELDS

logger = logging.getLogger(__name__)

Status = Waiver.Status
Kind = PublicChange.Kind

STATUS_KINDS = {
    Status.SUBMITTED: Kind.SUBMITTED,
    Status.REVIEWED: Kind.DETERMINED,
    Status.REVIEW_WAIVED: Kind.REVIEW_WAIVED,
    Status.DECIDED: Kind.DECIDED,
    Status.WITHDRAWN: Kind.WITHDRAWN,
}
# Detail rows shown on the public waiver page (WaiverInternal never is).
PUBLIC_DETAILS = ("price_preference", "jones_act", "urgent_report")

# History rows read per table and transaction.
CHUNK = 5000
# How long collect() waits for transactions still writing history.
LOCK_TIMEOUT = "5s"


def public_fields(changes: list[dict]) -> list[str]:
    """The public fields among an audit entry's changed fields, in its order."""
    names = []
    for change in changes:
        name = str(change.get("field", ""))
        head, dot, _ = name.partition(".")
        if (not dot and name in CONTENT_FIELDS) or (dot and head in PUBLIC_DETAILS):
            names.append(name)
    return names


def _settled_ids() -> tuple[int, int] | None:
    """The highest ids of the two history tables at which every row is final.

    Ids come from sequences, so a transaction still running may yet commit a
    row with a lower id than one already visible; reading past it would miss
    it for ever. LOCK … IN SHARE MODE waits until no transaction is writing
    either table (new writers wait behind it for the moment it is held), so
    the highest ids read under it are settled. None when the wait would be
    longer than LOCK_TIMEOUT (a long import): the next pass tries again."""
    status_changes, audit_entries = (
        connection.ops.quote_name(model._meta.db_table)
        for model in (WaiverStatusChange, WaiverAuditEntry)
    )
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            cursor.execute(f"LOCK TABLE {status_changes}, {audit_entries} IN SHARE MODE")
            cursor.execute(
                f"SELECT (SELECT max(id) FROM {status_changes}),"  # noqa: S608 - table names
                f" (SELECT max(id) FROM {audit_entries})"
            )
            status_change_id, audit_entry_id = cursor.fetchone()
    except OperationalError as error:
        logger.warning("History still being written; changes are collected next pass (%s)", error)
        return None
    return status_change_id or 0, audit_entry_id or 0


def collect() -> int:
    """Copy the public changes recorded since the last call into
    PublicChange; return how many. Safe to call from several processes."""
    settled = _settled_ids()
    if settled is None:
        return 0
    created = 0
    while True:
        count, done = _collect_chunk(*settled)
        created += count
        if done:
            return created


def _collect_chunk(status_change_max: int, audit_entry_max: int) -> tuple[int, bool]:
    with transaction.atomic():
        # Collectors take turns on this row, so PublicChange ids are handed
        # out in the order their transactions commit.
        # (Made by the migration; made at 0 if it went missing: changes dated
        # before a subscription was confirmed are never sent to it anyway.)
        cursor, _ = ChangeCursor.objects.select_for_update().get_or_create(pk=1)
        status_rows = list(
            WaiverStatusChange.objects.filter(
                id__gt=cursor.status_change_id, id__lte=status_change_max
            )
            .order_by("id")
            .values_list("id", "waiver_id", "to_status", "at")[:CHUNK]
        )
        audit_rows = list(
            WaiverAuditEntry.objects.filter(id__gt=cursor.audit_entry_id, id__lte=audit_entry_max)
            .order_by("id")
            .values_list("id", "waiver_id", "action", "changes", "at")[:CHUNK]
        )
        changes = [
            PublicChange(
                waiver_id=waiver_id,
                kind=STATUS_KINDS[to_status],
                at=at,
                source=f"status_change:{pk}",
            )
            for pk, waiver_id, to_status, at in status_rows
            if to_status in STATUS_KINDS
        ]
        amended = [
            (pk, waiver_id, fields, at)
            for pk, waiver_id, action, row_changes, at in audit_rows
            if action == WaiverAuditEntry.Action.AMENDED and (fields := public_fields(row_changes))
        ]
        # The audit trail outlives deleted waivers; their changes concern nobody.
        existing = set(
            Waiver.objects.filter(pk__in={row[1] for row in amended}).values_list("pk", flat=True)
        )
        changes += [
            PublicChange(
                waiver_id=waiver_id,
                kind=Kind.AMENDED,
                at=at,
                fields=fields,
                source=f"audit_entry:{pk}",
            )
            for pk, waiver_id, fields, at in amended
            if waiver_id in existing
        ]
        # In the order they happened; history order breaks ties (imports date
        # several changes alike).
        changes.sort(key=lambda change: (change.at, *_source_order(change.source)))
        PublicChange.objects.bulk_create(changes)
        # A table read to its settled id moves there (past rows that were not
        # public changes); a full chunk moves to its last row.
        status_done, audit_done = len(status_rows) < CHUNK, len(audit_rows) < CHUNK
        cursor.status_change_id = max(
            cursor.status_change_id, status_change_max if status_done else status_rows[-1][0]
        )
        cursor.audit_entry_id = max(
            cursor.audit_entry_id, audit_entry_max if audit_done else audit_rows[-1][0]
        )
        cursor.save()
    return len(changes), status_done and audit_done


def _source_order(source: str) -> tuple[str, int]:
    table, _, pk = source.partition(":")
    return table, int(pk)


def latest_id() -> int:
    """The id of the newest collected change (0 when there is none)."""
    last = PublicChange.objects.order_by("-id").values_list("id", flat=True).first()
    return last or 0


def purge() -> int:
    """Delete changes that every confirmed subscription has been told about
    (a subscription confirmed later starts after the newest change anyway)."""
    oldest = (
        Subscription.objects.confirmed().order_by("watermark").values_list("watermark", flat=True)
    ).first()
    upto = latest_id() if oldest is None else oldest
    deleted, _ = PublicChange.objects.filter(id__lte=upto).delete()
    return deleted
