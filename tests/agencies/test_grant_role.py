"""grant_role / revoke_role: memberships, the staff flag, and clear errors."""

import io

import pytest
from django.core.management import CommandError, call_command

from agencies.models import AgencyMembership
from tests.factories import UserFactory, agency

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def carol(db):
    return UserFactory(username="carol", is_staff=False)


def test_grant_submitter_for_two_agencies_makes_staff(carol):
    output = run("grant_role", "carol", "agency_submitter", "--agency", "1341", "--agency", "097")
    assert "Granted agency_submitter to carol for 1341, 097" in output
    carol.refresh_from_db()
    assert carol.is_staff
    assert set(carol.agency_memberships.values_list("role", "agency__code")) == {
        ("agency_submitter", "1341"),
        ("agency_submitter", "097"),
    }


def test_grant_is_idempotent(carol):
    run("grant_role", "carol", "miao_reviewer")
    assert "already had" in run("grant_role", "carol", "miao_reviewer")
    assert AgencyMembership.objects.filter(user=carol).count() == 1


def test_revoke_last_membership_clears_staff(carol):
    run("grant_role", "carol", "agency_viewer", "--agency", "1341")
    run("grant_role", "carol", "miao_reviewer")
    assert "still staff" in run("revoke_role", "carol", "miao_reviewer")
    assert "no longer staff" in run("revoke_role", "carol", "agency_viewer", "--agency", "1341")
    carol.refresh_from_db()
    assert not carol.is_staff and not carol.agency_memberships.exists()


def test_revoke_keeps_superusers_staff(carol):
    carol.is_superuser = True
    carol.save()
    run("grant_role", "carol", "miao_reviewer")
    run("revoke_role", "carol", "miao_reviewer")
    carol.refresh_from_db()
    assert carol.is_staff


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("grant_role", "nosuchuser", "miao_reviewer"), "No user named “nosuchuser”"),
        (("grant_role", "carol", "boss"), "Unknown role “boss”"),
        (
            ("grant_role", "carol", "agency_submitter", "--agency", "XXXX"),
            "Unknown agency code: XXXX",
        ),
        (("grant_role", "carol", "agency_submitter"), "needs at least one --agency"),
        (("grant_role", "carol", "miao_reviewer", "--agency", "1341"), "do not give --agency"),
        (("revoke_role", "carol", "miao_reviewer"), "does not hold miao_reviewer"),
        (("revoke_role", "carol", "agency_viewer", "--agency", "ZZZ9"), "Unknown agency code"),
    ],
)
def test_bad_arguments_give_a_clear_error(carol, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    carol.refresh_from_db()
    assert not carol.is_staff and not carol.agency_memberships.exists()


def test_superuser_manages_memberships_in_the_admin(client, carol):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.post(
        "/admin/agencies/agencymembership/add/",
        {
            "user": carol.pk,
            "role": "agency_viewer",
            "agency": agency("1341").pk,
        },
    )
    assert response.status_code == 302
    carol.refresh_from_db()
    assert carol.is_staff
    membership = carol.agency_memberships.get()
    client.post(f"/admin/agencies/agencymembership/{membership.pk}/delete/", {"post": "yes"})
    carol.refresh_from_db()
    assert not carol.is_staff


def test_admin_refuses_a_reviewer_membership_with_an_agency(client, carol):
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    client.force_login(root)
    response = client.post(
        "/admin/agencies/agencymembership/add/",
        {
            "user": carol.pk,
            "role": "miao_reviewer",
            "agency": agency("1341").pk,
        },
    )
    assert response.status_code == 200
    assert not AgencyMembership.objects.exists()
