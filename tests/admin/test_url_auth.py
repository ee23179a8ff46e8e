"""Walk every admin entry point as each role and assert who may reach what
(after cisagov/manage.get.gov's test_url_auth). Out-of-scope waivers are a
404 everywhere, never a redirect or data; refused roles get a 403."""

import csv
import io

import pytest

from tests.admin.conftest import AGENCY_A, AGENCY_B, change_url, transition_url
from waivers.models import WaiverAuditEntry

pytestmark = pytest.mark.django_db

USERS = ("alice", "bob", "victor", "rita", "root")
# Which of the four waivers each user may see.
VISIBLE = {
    "alice": {"draft_a", "posted_a"},
    "bob": {"draft_b", "posted_b"},
    "victor": {"draft_a", "posted_a"},
    "rita": {"posted_a", "posted_b"},
    "root": {"draft_a", "posted_a", "draft_b", "posted_b"},
}
TITLES = {
    "draft_a": "Draft A",
    "posted_a": "Posted A",
    "draft_b": "Draft B",
    "posted_b": "Posted B",
}


@pytest.fixture
def login(client, request):
    def as_user(name):
        user = request.getfixturevalue(name)
        client.force_login(user)
        return user

    return as_user


@pytest.mark.parametrize("name", USERS)
def test_change_list_shows_only_waivers_in_scope(client, login, waivers, name):
    login(name)
    response = client.get("/admin/waivers/waiver/")
    assert response.status_code == 200
    shown = {w.procurement_title for w in response.context["cl"].result_list}
    assert shown == {TITLES[key] for key in VISIBLE[name]}


@pytest.mark.parametrize("name", USERS)
@pytest.mark.parametrize("view", ["change", "history"])
def test_change_and_history_views_404_outside_scope(client, login, waivers, name, view):
    login(name)
    for key, waiver in waivers.items():
        response = client.get(f"/admin/waivers/waiver/{waiver.pk}/{view}/")
        expected = 200 if key in VISIBLE[name] else 404
        assert response.status_code == expected, (name, key, view)
        if expected == 404:
            assert waiver.procurement_title.encode() not in response.content


def test_unknown_and_malformed_ids_are_404(client, login, waivers):
    login("root")
    assert client.get("/admin/waivers/waiver/999999/change/").status_code == 404
    assert client.get("/admin/waivers/waiver/abc/change/").status_code == 404
    assert client.get("/admin/waivers/waiver/999999/history/").status_code == 404


def test_staff_without_a_role_and_anonymous_users_are_kept_out(client, nobody, waivers):
    response = client.get("/admin/waivers/waiver/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    client.force_login(nobody)
    assert client.get("/admin/waivers/waiver/").status_code == 403
    assert client.get(change_url(waivers["posted_a"])).status_code in (403, 404)
    assert b"Waivers" not in client.get("/admin/").content


def test_posting_a_change_to_another_agencys_waiver_is_404(client, login, waivers):
    login("alice")
    response = client.post(change_url(waivers["draft_b"]), {"procurement_title": "Hijacked"})
    assert response.status_code == 404
    waivers["draft_b"].refresh_from_db()
    assert waivers["draft_b"].procurement_title == "Draft B"


@pytest.mark.parametrize("name", ["victor", "rita"])
def test_viewers_and_reviewers_cannot_post_content_changes(client, login, waivers, name):
    login(name)
    response = client.post(change_url(waivers["posted_a"]), {"procurement_title": "Changed"})
    assert response.status_code == 403
    waivers["posted_a"].refresh_from_db()
    assert waivers["posted_a"].procurement_title == "Posted A"


@pytest.mark.parametrize(
    ("name", "key", "expected"),
    [
        ("alice", "draft_a", 200),  # a submitter deletes her agency's drafts
        ("alice", "posted_a", 403),  # posted: superusers only
        ("alice", "draft_b", 404),
        ("victor", "draft_a", 403),
        ("rita", "posted_a", 403),
        ("rita", "draft_a", 404),
        ("root", "posted_b", 200),
    ],
)
def test_delete_view(client, login, waivers, name, key, expected):
    login(name)
    response = client.get(f"/admin/waivers/waiver/{waivers[key].pk}/delete/")
    assert response.status_code == expected


@pytest.mark.parametrize(
    ("name", "key", "action", "expected"),
    [
        ("alice", "draft_a", "submit", 200),
        ("alice", "draft_b", "submit", 404),
        ("bob", "draft_a", "submit", 404),
        ("victor", "draft_a", "submit", 403),
        ("rita", "draft_a", "submit", 404),
        ("rita", "posted_a", "submit", 403),
        ("rita", "posted_a", "start_review", 200),
        ("rita", "posted_b", "record_determination", 200),
        ("alice", "posted_a", "start_review", 403),
        ("alice", "posted_a", "withdraw", 200),
        ("bob", "posted_a", "withdraw", 404),
        ("victor", "posted_a", "withdraw", 403),
        ("root", "posted_b", "waive_review", 200),
        ("root", "posted_b", "no_such_action", 404),
    ],
)
def test_transition_pages(client, login, waivers, name, key, action, expected):
    login(name)
    assert client.get(transition_url(waivers[key], action)).status_code == expected


def _autocomplete(client, field, term=""):
    return client.get(
        "/admin/autocomplete/",
        {
            "app_label": "waivers",
            "model_name": "waiver",
            "field_name": field,
            "term": term,
        },
    )


def test_contracting_agency_autocomplete_offers_only_own_agencies(client, login, agency_ids):
    login("alice")
    response = _autocomplete(client, "contracting_agency")
    assert response.status_code == 200
    assert {r["id"] for r in response.json()["results"]} == {str(agency_ids[AGENCY_A])}
    login("bob")
    results = _autocomplete(client, "contracting_agency", "Defense").json()["results"]
    assert {r["id"] for r in results} == {str(agency_ids[AGENCY_B])}
    login("rita")  # reviewers file no waivers
    assert _autocomplete(client, "contracting_agency").json()["results"] == []


def test_department_membership_covers_its_subtiers(client, django_user_model):
    from agencies import roles
    from tests.factories import agency

    user = django_user_model.objects.create_user("dora")
    roles.grant_role(user=user, role="agency_submitter", agencies=[agency("013")])
    client.force_login(user)
    codes = set()
    for page in range(1, 10):
        data = client.get(
            "/admin/autocomplete/",
            {
                "app_label": "waivers",
                "model_name": "waiver",
                "field_name": "contracting_agency",
                "page": page,
            },
        ).json()
        codes |= {r["text"].rsplit("(", 1)[1].rstrip(")") for r in data["results"]}
        if not data["pagination"]["more"]:
            break
    assert {"013", AGENCY_A} <= codes
    assert AGENCY_B not in codes


def test_autocomplete_refuses_users_without_a_role(client, nobody):
    client.force_login(nobody)
    assert _autocomplete(client, "contracting_agency").status_code == 403
    assert _autocomplete(client, "psc", "6640").status_code == 403


def test_psc_autocomplete_offers_no_retired_codes(client, login):
    login("alice")
    results = _autocomplete(client, "psc", "1000").json()["results"]
    assert "1000" not in {r["id"] for r in results}  # retired in 2006
    assert "6640" in {r["id"] for r in _autocomplete(client, "psc", "6640").json()["results"]}


def _action(client, action, waivers_, **extra):
    return client.post(
        "/admin/waivers/waiver/",
        {
            "action": action,
            "_selected_action": [w.pk for w in waivers_],
            **extra,
        },
    )


def _csv_ids(response) -> set[str]:
    body = b"".join(response.streaming_content).decode()
    return {row["public_id"] for row in csv.DictReader(io.StringIO(body))}


@pytest.mark.parametrize("name", USERS)
def test_csv_export_holds_only_waivers_in_scope(client, login, waivers, name):
    login(name)
    response = _action(client, "export_csv", waivers.values())
    assert response.status_code == 200
    assert _csv_ids(response) == {waivers[key].public_id for key in VISIBLE[name]}


def test_bulk_start_review_is_not_offered_to_submitters(client, login, waivers):
    login("alice")
    response = _action(client, "start_review", [waivers["posted_a"]], confirm="yes")
    assert response.status_code in (200, 302)
    waivers["posted_a"].refresh_from_db()
    assert waivers["posted_a"].status == "submitted"


def test_bulk_start_review_by_a_reviewer_confirms_then_acts(client, login, waivers):
    login("rita")
    selected = [waivers["posted_a"], waivers["posted_b"], waivers["draft_a"]]
    confirm = _action(client, "start_review", selected)
    assert confirm.status_code == 200
    assert b"Start review" in confirm.content
    for key in ("posted_a", "posted_b"):
        waivers[key].refresh_from_db()
        assert waivers[key].status == "submitted"  # nothing happens before confirming
    _action(client, "start_review", selected, confirm="yes", note="batch")
    for key in ("posted_a", "posted_b"):
        waivers[key].refresh_from_db()
        assert waivers[key].status == "in_review"
    waivers["draft_a"].refresh_from_db()
    assert waivers["draft_a"].status == "draft"  # never in the reviewer's scope


def test_bulk_delete_is_for_superusers_only(client, login, waivers):
    login("alice")
    _action(client, "delete_selected", [waivers["draft_a"]], post="yes")
    assert type(waivers["draft_a"]).objects.filter(pk=waivers["draft_a"].pk).exists()
    login("root")
    _action(client, "delete_selected", [waivers["draft_a"], waivers["posted_b"]], post="yes")
    assert (
        not type(waivers["draft_a"])
        .objects.filter(pk__in=[waivers["draft_a"].pk, waivers["posted_b"].pk])
        .exists()
    )
    assert WaiverAuditEntry.objects.filter(action="deleted").count() == 2


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("rita", 200),
        ("root", 200),
        ("alice", 403),
        ("victor", 403),
        ("nobody", 403),
    ],
)
def test_review_queue_is_for_reviewers(client, login, waivers, name, expected):
    login(name)
    assert client.get("/admin/waivers/reviewqueueitem/").status_code == expected


@pytest.mark.parametrize("name", USERS)
def test_audit_trail_list_is_scoped_and_read_only(client, login, waivers, name):
    login(name)
    response = client.get("/admin/waivers/waiverauditentry/")
    assert response.status_code == 200
    shown = {e.waiver_public_id for e in response.context["cl"].result_list}
    assert shown == {waivers[key].public_id for key in VISIBLE[name]}
    assert client.get("/admin/waivers/waiverauditentry/add/").status_code == 403
    for key, waiver in waivers.items():
        entry = WaiverAuditEntry.objects.filter(waiver_id=waiver.pk).first()
        url = f"/admin/waivers/waiverauditentry/{entry.pk}/"
        expected = 200 if key in VISIBLE[name] else 404
        assert client.get(f"{url}change/").status_code == expected
        assert client.get(f"{url}delete/").status_code in (403, 404)
        assert client.post(f"{url}delete/", {"post": "yes"}).status_code in (403, 404)
        assert WaiverAuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(("name", "expected"), [("root", 200), ("alice", 403), ("rita", 403)])
def test_membership_admin_is_for_superusers(client, login, name, expected):
    login(name)
    assert client.get("/admin/agencies/agencymembership/").status_code == expected
    assert client.get("/admin/agencies/agencymembership/add/").status_code == expected


@pytest.mark.parametrize("name", ["alice", "rita", "victor"])
def test_reference_lists_are_read_only_for_staff(client, login, name, agency_ids):
    login(name)
    assert client.get("/admin/agencies/agency/").status_code == 200
    assert client.get("/admin/agencies/agency/add/").status_code == 403
    response = client.post(
        f"/admin/agencies/agency/{agency_ids[AGENCY_A]}/change/", {"name": "Renamed"}
    )
    assert response.status_code == 403
    assert client.get("/admin/waivers/psccode/add/").status_code == 403


def test_change_list_search_finds_exact_piids_within_scope(client, login, waivers):
    login("alice")
    piid = waivers["posted_a"].piids[0]
    response = client.get("/admin/waivers/waiver/", {"q": piid.lower()})
    assert [w.pk for w in response.context["cl"].result_list] == [waivers["posted_a"].pk]
    other = waivers["posted_b"].piids[0]
    assert list(client.get("/admin/waivers/waiver/", {"q": other}).context["cl"].result_list) == []
