import pytest
from django.core.cache import cache

# The staff users of the admin tests (a submitter of agency A, one of agency
# B, a MIAO reviewer, a superuser, staff with no role) and their fast hasher.
from tests.admin.conftest import alice, bob, fast_passwords, nobody, rita, root  # noqa: F401


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate limits count in the cache; each test starts with none used."""
    cache.clear()
    yield
    cache.clear()
