"""MIAO reviewers keep each agency's Senior Accountable Official (name and
title) current in the admin; agency staff cannot; nothing else of the agency
changes there. The SAO is public (agency page, API)."""

import pytest

from agencies.models import Agency
from tests.admin.conftest import AGENCY_A

pytestmark = pytest.mark.django_db
URL = "/admin/agencies/senioraccountableofficial/{}/change/"


@pytest.fixture
def login(client, request):
    def as_user(name):
        user = request.getfixturevalue(name)
        client.force_login(user)
        return user

    return as_user


def test_reviewer_sets_the_sao_and_nothing_else(client, login):
    nist = Agency.objects.get(code=AGENCY_A)
    login("rita")
    response = client.post(
        URL.format(nist.pk),
        {"sao_name": "Ada Example", "sao_title": "Chief Acquisition Officer", "name": "Renamed"},
    )
    assert response.status_code == 302
    nist.refresh_from_db()
    assert (nist.sao_name, nist.sao_title) == ("Ada Example", "Chief Acquisition Officer")
    assert nist.name == "National Institute of Standards and Technology"
    assert (
        "Ada Example, Chief Acquisition Officer"
        in client.get(nist.get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize("name", ["alice", "victor"])
def test_agency_staff_cannot_set_the_sao(client, login, name):
    nist = Agency.objects.get(code=AGENCY_A)
    login(name)
    response = client.post(URL.format(nist.pk), {"sao_name": "Mallory"})
    assert response.status_code == 403
    nist.refresh_from_db()
    assert nist.sao_name == ""
    assert client.get("/admin/agencies/senioraccountableofficial/add/").status_code == 403
