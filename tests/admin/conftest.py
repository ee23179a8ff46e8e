"""Users and waivers for the staff-admin tests: a submitter of agency A
(NIST, 1341), a submitter of agency B (DLA, 97AS), a viewer of A, a MIAO
reviewer, a superuser and a staff user with no role."""

import pytest

from agencies import roles
from agencies.models import AgencyMembership
from tests.factories import UserFactory, WaiverFactory, agency, post
from waivers import services
from waivers.models import Waiver

Role = AgencyMembership.Role

AGENCY_A = "1341"  # NIST, Department of Commerce (013)
AGENCY_B = "97AS"  # DLA, Department of Defense (097)


def _user(username, role=None, codes=()):
    user = UserFactory(username=username, email=f"{username}@example.gov", is_staff=False)
    if role:
        roles.grant_role(user=user, role=role, agencies=[agency(c) for c in codes])
    user.refresh_from_db()
    return user


@pytest.fixture
def alice(db):
    """Submitter for agency A."""
    return _user("alice", Role.AGENCY_SUBMITTER, [AGENCY_A])


@pytest.fixture
def bob(db):
    """Submitter for agency B."""
    return _user("bob", Role.AGENCY_SUBMITTER, [AGENCY_B])


@pytest.fixture
def victor(db):
    """Viewer of agency A."""
    return _user("victor", Role.AGENCY_VIEWER, [AGENCY_A])


@pytest.fixture
def rita(db):
    """MIAO reviewer."""
    return _user("rita", Role.MIAO_REVIEWER)


@pytest.fixture
def root(db):
    user = _user("root")
    user.is_superuser = user.is_staff = True
    user.save()
    return user


@pytest.fixture
def nobody(db):
    """Staff, but holding no role."""
    user = _user("nobody")
    user.is_staff = True
    user.save()
    return user


def make_draft(actor=None, details=(), **overrides) -> Waiver:
    """A complete draft created through the service, so its audit trail starts."""
    built = WaiverFactory.build(**overrides)
    fields = {name: getattr(built, name) for name in services.CONTENT_FIELDS}
    return services.create_draft(
        actor=actor, waiver_type=built.waiver_type, details=details, **fields
    )


@pytest.fixture
def draft_a(db):
    return make_draft(contracting_agency=agency(AGENCY_A), procurement_title="Draft A")


@pytest.fixture
def posted_a(db):
    return post(make_draft(contracting_agency=agency(AGENCY_A), procurement_title="Posted A"))


@pytest.fixture
def draft_b(db):
    return make_draft(contracting_agency=agency(AGENCY_B), procurement_title="Draft B")


@pytest.fixture
def posted_b(db):
    return post(make_draft(contracting_agency=agency(AGENCY_B), procurement_title="Posted B"))


@pytest.fixture
def waivers(draft_a, posted_a, draft_b, posted_b):
    return {"draft_a": draft_a, "posted_a": posted_a, "draft_b": draft_b, "posted_b": posted_b}


def change_url(waiver: Waiver) -> str:
    return f"/admin/waivers/waiver/{waiver.pk}/change/"


def transition_url(waiver: Waiver, action: str) -> str:
    return f"/admin/waivers/waiver/{waiver.pk}/transition/{action}/"


@pytest.fixture
def agency_ids(db):
    return {code: agency(code).pk for code in (AGENCY_A, AGENCY_B)}
