"""alerts.changes: which history rows are public changes, and collecting them
once each, in commit order, even while other transactions are writing."""

import threading

import pytest
from django.db import connection, transaction

from alerts import changes
from alerts.models import ChangeCursor, PublicChange
from tests.admin.conftest import make_draft
from tests.factories import post
from waivers import services
from waivers.models import NaicsCode, PricePreference, Waiver, WaiverInternal
from waivers.models.data_version import VERSIONED_TABLES

Kind = PublicChange.Kind


def kinds() -> list[tuple[str, str]]:
    return list(PublicChange.objects.order_by("id").values_list("waiver__public_id", "kind"))


@pytest.mark.django_db
def test_each_public_status_change_is_collected_once_and_the_rest_are_not():
    decided = post(make_draft(), to=Waiver.Status.DECIDED)  # submitted, reviewed, decided
    waived = post(make_draft(), to=Waiver.Status.REVIEW_WAIVED)
    withdrawn = post(make_draft(), to=Waiver.Status.WITHDRAWN)
    in_review = post(make_draft(), to=Waiver.Status.IN_REVIEW)
    make_draft()  # created: not a public change

    assert changes.collect() == 8
    found = kinds()
    assert [k for pid, k in found if pid == decided.public_id] == [
        Kind.SUBMITTED,
        Kind.DETERMINED,
        Kind.DECIDED,
    ]
    assert [k for pid, k in found if pid == waived.public_id] == [
        Kind.SUBMITTED,
        Kind.REVIEW_WAIVED,
    ]
    assert [k for pid, k in found if pid == withdrawn.public_id] == [
        Kind.SUBMITTED,
        Kind.WITHDRAWN,
    ]
    assert [k for pid, k in found if pid == in_review.public_id] == [Kind.SUBMITTED]
    assert changes.collect() == 0  # nothing twice


@pytest.mark.django_db
def test_amendments_of_public_fields_are_collected_with_the_fields_they_changed():
    waiver = post(make_draft())
    changes.collect()
    waiver.refresh_from_db()
    waiver.naics = NaicsCode.objects.get(code="331110")
    services.amend(
        waiver,
        actor=None,
        expected_version=waiver.version,
        reason="Code corrected",
        details=[WaiverInternal(excluded_sources="INTERNAL-ONLY")],
    )
    waiver.refresh_from_db()
    services.amend(
        waiver,
        actor=None,
        expected_version=waiver.version,
        reason="Internal only",
        details=[WaiverInternal(excluded_sources="INTERNAL-ONLY, again")],
    )
    assert changes.collect() == 1
    change = PublicChange.objects.get(kind=Kind.AMENDED)
    assert change.fields == ["naics"]  # the government-only field is not named


def test_public_fields_keep_public_details_and_drop_government_only_ones():
    assert changes.public_fields(
        [
            {"field": "summary"},
            {"field": "internal.contacts"},
            {"field": "price_preference.domestic_offer"},
            {"field": "is_test_record"},
            {"field": "source_modified_at"},
            {"field": "jones_act.vessel_name"},
        ]
    ) == ["summary", "price_preference.domestic_offer", "jones_act.vessel_name"]
    assert PricePreference._meta.get_field("waiver").remote_field.related_name == "price_preference"


@pytest.mark.django_db
def test_a_deleted_waivers_changes_are_left_out():
    waiver = post(make_draft())
    waiver.refresh_from_db()
    waiver.summary = "Changed"
    services.amend(waiver, actor=None, expected_version=waiver.version, reason="Why")
    Waiver.objects.filter(pk=waiver.pk).delete()  # its audit trail outlives it
    assert changes.collect() == 0
    assert ChangeCursor.objects.get().audit_entry_id > 0  # and they are behind the cursor


@pytest.mark.django_db(transaction=True)
def test_a_change_committed_late_with_a_lower_id_is_not_skipped(monkeypatch, request):
    """Ids come from sequences: a transaction still open can commit a lower
    id after a higher one is visible. The collector waits for it rather than
    reading past it, and gives up for this pass if the wait is long."""
    monkeypatch.setattr(changes, "LOCK_TIMEOUT", "200ms")
    slow, quick = make_draft(), make_draft()
    # Writers of public data queue on the data version (decision 0013), which
    # keeps these two apart; the collector must not rely on that.
    _version_triggers("DISABLE")
    request.addfinalizer(lambda: _version_triggers("ENABLE ALWAYS"))
    started, finish = threading.Event(), threading.Event()

    def slow_submit():
        try:
            with transaction.atomic():
                services.submit(slow, actor=None)  # takes the lower history ids
                started.set()
                finish.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_submit)
    thread.start()
    assert started.wait(timeout=10)
    try:
        # The quick one commits first, with higher ids; the collector must not
        # move past the slow one's lower id while it is uncommitted.
        quick_thread = threading.Thread(target=lambda: _submit_and_close(quick))
        quick_thread.start()
        quick_thread.join(timeout=30)
        assert Waiver.objects.get(pk=quick.pk).status == Waiver.Status.SUBMITTED  # committed
        assert changes.collect() == 0  # waited 200 ms for the slow one, gave up this pass
        # Nothing read past the slow one (the cursor may not exist yet after a flush).
        assert not ChangeCursor.objects.filter(status_change_id__gt=0).exists()
    finally:
        finish.set()
        thread.join(timeout=30)

    assert changes.collect() == 2
    assert sorted(pid for pid, kind in kinds()) == sorted([slow.public_id, quick.public_id])


def _submit_and_close(waiver):
    try:
        services.submit(waiver, actor=None)
    finally:
        connection.close()


def _version_triggers(state: str) -> None:
    with connection.cursor() as cursor:
        for table in VERSIONED_TABLES:
            cursor.execute(f"ALTER TABLE {table} {state} TRIGGER {table}_moves_data_version")
