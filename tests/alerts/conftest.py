import pytest

from tests import reference

# The staff users of the admin tests (a submitter of agency A, one of agency
# B, a MIAO reviewer, a superuser, staff with no role).
from tests.admin.conftest import alice, bob, nobody, rita, root  # noqa: F401


@pytest.fixture(autouse=True)
def reference_data(request):
    """Tests that commit for real (transaction=True) end with a flush of every
    table, the reference lists included: put them back when they are gone."""
    marker = request.node.get_closest_marker("django_db")
    if not (marker and marker.kwargs.get("transaction")):
        return
    request.getfixturevalue("transactional_db")
    reference.ensure()
