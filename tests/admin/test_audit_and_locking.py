"""The audit trail (field-level, append-only, survives deletion) and
optimistic locking (a stale save is refused; the first edit survives)."""

from unittest import mock

import pytest
from django.db import DatabaseError, transaction

from agencies import roles
from tests.admin.conftest import AGENCY_A, change_url, make_draft
from tests.admin.helpers import errors, form_data
from tests.factories import UserFactory, agency, post
from waivers import services
from waivers.models import Waiver, WaiverAuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def alma(db):
    """A second submitter of agency A."""
    user = UserFactory(username="alma", is_staff=False)
    roles.grant_role(user=user, role="agency_submitter", agencies=[agency(AGENCY_A)])
    return user


def test_every_write_is_audited_field_by_field(client, alice, rita):
    client.force_login(alice)
    waiver = make_draft(actor=alice, contracting_agency=agency(AGENCY_A), summary="Old")
    data = form_data(client.get(change_url(waiver)))
    data["summary"] = "New"
    client.post(change_url(waiver), data)
    services.submit(waiver, actor=alice)
    services.start_review(waiver, actor=rita, note="looking")
    trail = list(WaiverAuditEntry.objects.filter(waiver=waiver).order_by("at", "id"))
    assert [(e.action, e.actor) for e in trail] == [
        ("created", alice),
        ("edited", alice),
        ("transition", alice),
        ("transition", rita),
    ]
    assert trail[1].changes == [{"field": "summary", "old": "Old", "new": "New"}]
    assert {"field": "status", "old": "submitted", "new": "in_review"} in trail[3].changes
    assert trail[3].reason == "looking"


def test_history_page_shows_the_audit_trail(client, alice):
    waiver = post(make_draft(actor=alice, contracting_agency=agency(AGENCY_A)), actor=alice)
    waiver.procurement_title = "Corrected title"
    services.amend(waiver, actor=alice, expected_version=waiver.version, reason="Fix title")
    client.force_login(alice)
    page = client.get(f"/admin/waivers/waiver/{waiver.pk}/history/").content.decode()
    assert 'id="audit-trail"' in page and "Amended after posting" in page
    assert "Fix title" in page and "Corrected title" in page


def test_audit_rows_cannot_be_changed_or_deleted_even_in_the_database(draft_a):
    entry = WaiverAuditEntry.objects.filter(waiver=draft_a).first()
    with pytest.raises(DatabaseError), transaction.atomic():
        WaiverAuditEntry.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(DatabaseError), transaction.atomic():
        WaiverAuditEntry.objects.filter(pk=entry.pk).delete()
    assert WaiverAuditEntry.objects.filter(pk=entry.pk, reason="").exists()


def test_superuser_deletion_of_a_posted_waiver_is_recorded_and_survives(client, root, posted_a):
    client.force_login(root)
    public_id, pk = posted_a.public_id, posted_a.pk
    response = client.post(f"/admin/waivers/waiver/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Waiver.objects.filter(pk=pk).exists()
    deleted = WaiverAuditEntry.objects.get(waiver_public_id=public_id, action="deleted")
    assert deleted.actor == root
    assert deleted.snapshot["procurement_title"] == "Posted A"
    assert deleted.snapshot["status_history"][-1]["to"] == "submitted"
    # The whole trail outlives the waiver and stays visible to superusers.
    assert WaiverAuditEntry.objects.filter(waiver_public_id=public_id).count() >= 3
    listing = client.get("/admin/waivers/waiverauditentry/", {"q": public_id})
    assert public_id in listing.content.decode()


def test_submitters_cannot_delete_posted_waivers(client, alice, posted_a):
    client.force_login(alice)
    response = client.post(f"/admin/waivers/waiver/{posted_a.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert Waiver.objects.filter(pk=posted_a.pk).exists()


def test_submitter_deletes_a_draft_and_it_is_recorded(client, alice, draft_a):
    client.force_login(alice)
    client.post(f"/admin/waivers/waiver/{draft_a.pk}/delete/", {"post": "yes"})
    assert not Waiver.objects.filter(pk=draft_a.pk).exists()
    assert WaiverAuditEntry.objects.filter(
        waiver_public_id=draft_a.public_id, action="deleted", actor=alice
    ).exists()


def test_second_of_two_concurrent_edits_is_refused_and_the_first_survives(
    client, alice, alma, draft_a
):
    first, second = client, type(client)()
    first.force_login(alice)
    second.force_login(alma)
    first_data = form_data(first.get(change_url(draft_a)))
    second_data = form_data(second.get(change_url(draft_a)))
    first_data["summary"] = "Alice's summary"
    second_data["summary"] = "Alma's summary"
    assert first.post(change_url(draft_a), first_data).status_code == 302
    refused = second.post(change_url(draft_a), second_data)
    assert refused.status_code == 200
    assert "Reload the page" in " ".join(errors(refused)["__all__"])
    draft_a.refresh_from_db()
    assert (draft_a.summary, draft_a.version) == ("Alice's summary", 2)
    assert WaiverAuditEntry.objects.filter(waiver=draft_a, action="edited").count() == 1


def test_a_transition_in_between_also_makes_an_open_form_stale(client, alice, rita, posted_a):
    client.force_login(alice)
    data = form_data(client.get(change_url(posted_a)))
    services.start_review(posted_a, actor=rita)
    data.update(summary="Changed", amendment_reason="Because")
    response = client.post(change_url(posted_a), data)
    assert "Reload the page" in " ".join(errors(response)["__all__"])
    posted_a.refresh_from_db()
    assert posted_a.summary != "Changed"


def test_race_past_the_form_check_is_caught_by_the_locked_write(client, alice, draft_a):
    """Two saves pass the form's check at once; the service's row-locked
    version check refuses the second and the admin says so."""
    client.force_login(alice)
    data = form_data(client.get(change_url(draft_a)))
    data["summary"] = "Late edit"
    draft_a.summary = "Early edit"
    services.update_draft(draft_a, actor=alice, expected_version=1)
    with mock.patch("waivers.admin.forms.WaiverForm._check_version"):
        response = client.post(change_url(draft_a), data, follow=True)
    assert "changed by someone else" in str(list(response.context["messages"])[-1])
    draft_a.refresh_from_db()
    assert (draft_a.summary, draft_a.version) == ("Early edit", 2)


def test_service_refuses_stale_versions(draft_a):
    draft_a.summary = "x"
    with pytest.raises(services.StaleEdit):
        services.update_draft(draft_a, actor=None, expected_version=7)
    draft_a.refresh_from_db()
    assert draft_a.version == 1


def test_every_transition_increments_the_version(draft_a):
    services.submit(draft_a, actor=None)
    services.start_review(draft_a, actor=None)
    draft_a.refresh_from_db()
    assert draft_a.version == 3


def test_amend_requires_a_reason_and_a_posted_waiver(draft_a, posted_a):
    with pytest.raises(services.WaiverError):
        services.amend(draft_a, actor=None, expected_version=1, reason="x")
    posted_a.summary = "changed"
    with pytest.raises(Exception, match="reason"):
        services.amend(posted_a, actor=None, expected_version=posted_a.version, reason=" ")


def test_service_refuses_to_delete_posted_waivers_for_non_superusers(alice, root, posted_a):
    with pytest.raises(services.WaiverError, match="only a superuser"):
        services.delete_waiver(posted_a, actor=alice)
    assert Waiver.objects.filter(pk=posted_a.pk).exists()
    services.delete_waiver(posted_a, actor=root)
    assert not Waiver.objects.filter(pk=posted_a.pk).exists()
