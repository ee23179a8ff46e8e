"""waivers.scope: the two querysets agree with the per-waiver rules."""

import pytest

from tests.admin.conftest import AGENCY_A, make_draft
from tests.factories import agency, post
from waivers import scope
from waivers.models import Waiver

pytestmark = pytest.mark.django_db
USERS = ("alice", "bob", "victor", "rita", "root", "nobody")


@pytest.fixture
def every_state(db):
    waivers = [make_draft(contracting_agency=agency(AGENCY_A))]
    for status in (
        Waiver.Status.SUBMITTED,
        Waiver.Status.IN_REVIEW,
        Waiver.Status.REVIEWED,
        Waiver.Status.REVIEW_WAIVED,
        Waiver.Status.DECIDED,
        Waiver.Status.WITHDRAWN,
    ):
        waivers.append(post(make_draft(contracting_agency=agency(AGENCY_A)), to=status))
    waivers.append(post(make_draft(contracting_agency=agency("97AS"))))
    return waivers


@pytest.mark.parametrize("name", USERS)
def test_changeable_is_exactly_the_waivers_with_an_allowed_action(request, every_state, name):
    user = request.getfixturevalue(name)
    changeable = set(scope.changeable_waivers(user).values_list("pk", flat=True))
    visible = set(scope.visible_waivers(user).values_list("pk", flat=True))
    for waiver in every_state:
        assert (waiver.pk in changeable) == bool(scope.allowed_actions(user, waiver)), (
            name,
            waiver.status,
        )
    assert changeable <= visible


def test_inactive_and_anonymous_users_see_nothing(alice, every_state):
    from django.contrib.auth.models import AnonymousUser

    alice.is_active = False
    assert not scope.visible_waivers(alice).exists()
    assert not scope.visible_waivers(AnonymousUser()).exists()
    assert scope.allowed_actions(AnonymousUser(), every_state[0]) == set()
