"""import_miao's fast path: new records built in memory and written in
batches, unchanged records compared without writing. It must write exactly
what the one-by-one path (create_draft, submit, the review through the
services) writes, and keep its guarantees: each record wholly or not at all,
rejected by name, an idempotent re-import."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from tests.factories import WaiverFactory
from tests.waivers.test_import_miao import URGENT_JSON, WAIVERS_JSON, counts, run
from tests.waivers.test_import_miao_export import RECORDS, write_export
from waivers import services
from waivers.importers import miao
from waivers.importers.miao import public_id_for_source
from waivers.models import (
    NaicsCode,
    UrgentReport,
    Waiver,
    WaiverAuditEntry,
    WaiverStatusChange,
)

pytestmark = pytest.mark.django_db

# Bookkeeping that differs between any two runs (ids, wall-clock times).
VOLATILE = {"id", "created_at", "updated_at", "search_vector", "waiver", "waiver_id"}


def rows(model, order: tuple[str, ...]) -> list[dict]:
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in VOLATILE]
    return list(model.objects.order_by(*order).values(*names))


def record_state() -> dict:
    """Everything the import wrote, keyed so two imports can be compared."""
    by_source = {w.pk: w.source_id for w in Waiver.objects.all()}

    def keyed(model, order):
        out = []
        for row, pk in zip(
            rows(model, order),
            model.objects.order_by(*order).values_list("waiver_id", flat=True),
            strict=True,
        ):
            out.append((by_source.get(pk), row))
        return sorted(out, key=repr)

    return {
        "waivers": rows(Waiver, ("source_id",)),
        "history": keyed(WaiverStatusChange, ("waiver__source_id", "at", "id")),
        "audit": keyed(WaiverAuditEntry, ("waiver_public_id", "at", "id")),
        "urgent": keyed(UrgentReport, ("waiver__source_id",)),
        "search": sorted(Waiver.objects.values_list("source_id", "search_vector")),
        "codes": sorted(NaicsCode.objects.values_list("code", "in_reference", "title")),
    }


def one_by_one(monkeypatch):
    """Make every batch fail at the database, so each record goes through the
    one-by-one path."""

    def refuse(batch):
        raise DatabaseError("batch refused (test)")

    monkeypatch.setattr(services, "save_published", refuse)


def test_fast_path_writes_what_the_one_by_one_path_writes(tmp_path, monkeypatch):
    export = write_export(tmp_path, RECORDS[:150])
    files = (export, WAIVERS_JSON, URGENT_JSON)
    with transaction.atomic():
        fast_report = run(*files)
        fast = record_state()
        transaction.set_rollback(True)
    assert len(fast["waivers"]) > 150
    assert not Waiver.objects.exists()
    with monkeypatch.context() as patch:
        one_by_one(patch)
        slow_report = run(*files)
    assert slow_report == fast_report
    slow = record_state()
    for part in fast:
        assert slow[part] == fast[part], part


def test_a_batch_the_database_refuses_is_written_record_by_record(tmp_path):
    """A record that passes every check in Python but that the database
    refuses (its public id is taken) is rejected by name; the rest of its
    batch imports."""
    taken = RECORDS[3][0]
    other = WaiverFactory(public_id=public_id_for_source(taken))
    before = counts()
    output = run(write_export(tmp_path, RECORDS[:20]))
    assert "read 20, created 19" in output
    assert f"rejected {taken}: could not be saved:" in output
    assert "public id" in output.lower()
    assert not Waiver.objects.filter(source_id=taken).exists()
    assert Waiver.objects.filter(source_id=RECORDS[4][0]).exists()
    assert counts()[0] == before[0] + 19
    # Every imported waiver has its whole history: created, posted (and reviewed).
    for waiver in Waiver.objects.exclude(pk=other.pk):
        statuses = list(
            waiver.status_changes.order_by("at", "id").values_list("to_status", flat=True)
        )
        assert statuses[:2] == [Waiver.Status.DRAFT, Waiver.Status.SUBMITTED]
        assert waiver.audit_entries.count() == len(statuses)


def test_batches_are_written_in_few_queries(tmp_path, monkeypatch):
    monkeypatch.setattr(miao, "BATCH_SIZE", 50)
    path = write_export(tmp_path, RECORDS[:200])
    with CaptureQueriesContext(connection) as queries:
        output = run(path)
    assert "read 200, created 200" in output
    # About a dozen queries a batch of 50, not dozens a record.
    assert len(queries) < 100, len(queries)
    assert Waiver.objects.filter(search_vector__isnull=True).count() == 0


def test_a_reimport_that_changes_nothing_writes_nothing(tmp_path):
    path = write_export(tmp_path, RECORDS[:200])
    run(path)
    before = counts()
    with CaptureQueriesContext(connection) as queries:
        output = run(path)
    assert "read 200, created 0, updated 0, unchanged 200" in output
    statements = [q["sql"].lstrip().upper() for q in queries]
    assert not [sql for sql in statements if sql.startswith(("INSERT", "UPDATE", "DELETE"))]
    # One savepoint: the import's own transaction, none a record.
    assert len([sql for sql in statements if sql.startswith("SAVEPOINT")]) == 1
    assert len(queries) < 20, len(queries)
    assert counts() == before


def test_a_second_copy_in_the_same_batch_merges_with_the_first(tmp_path):
    first = list(RECORDS[0])
    later = list(first)
    later[2] = "2026-06-01T00:00:00.000000+00:00"  # modified: a later state
    later[3] = "A later title for the same waiver"
    output = run(write_export(tmp_path, [first, RECORDS[1], later]))
    assert "read 3, created 2, updated 0, unchanged 0, duplicate 1" in output
    waiver = Waiver.objects.get(source_id=first[0])
    assert waiver.procurement_title == "A later title for the same waiver"
